# The two commands of the README: `make repro` and `make test`.
SHELL := /bin/bash
export PATH := $(CURDIR)/.venv/bin:$(PATH)
export PYTHONHASHSEED := 0

.PHONY: setup repro smoke test export lint ship-backbone retrain-backbone

setup:  ## create .venv with the pinned CPU stack
	bash tools/setup.sh

repro: setup  ## reproduce every result with the embedded default (params.yaml)
	dvc repro

smoke: setup  ## smoke-scale `dvc repro` of the whole pipeline in a throw-away copy
	bash tools/smoke_repro.sh

test: setup  ## everything CI checks
	bash tools/check.sh

export:  ## notebooks -> package (nbdev_export + ruff), then clean notebooks
	bash tools/export.sh && nbdev_clean

lint:  ## ruff: formatting and lint of the package, notebooks, tests, benchmarks and tools
	ruff format --check . && ruff check .

ship-backbone:  ## copy a retrained backbone (data/backbone/glitch-ddpm) into the package
	rm -rf mind_the_glitch/weights/glitch-ddpm && mkdir -p mind_the_glitch/weights
	cp -r data/backbone/glitch-ddpm mind_the_glitch/weights/glitch-ddpm
	@du -sh mind_the_glitch/weights/glitch-ddpm

retrain-backbone: setup  ## retrain the embedded DDPM (frozen stage backbone_train; it writes the shipped copy in the package)
	dvc unfreeze backbone_train
	dvc repro -s backbone_train || { dvc freeze backbone_train; exit 1; }
	dvc freeze backbone_train
	@du -sh mind_the_glitch/weights/glitch-ddpm

.PHONY: ship-heads
ship-heads:  ## copy the trained Mind-the-Glitch heads (data/models/mtg-glitch, stage `train`) into the package
	test -f data/models/mtg-glitch/config.json || { echo "no trained heads in data/models/mtg-glitch: run dvc repro train"; exit 1; }
	rm -rf mind_the_glitch/weights/mtg-glitch && mkdir -p mind_the_glitch/weights
	cp -r data/models/mtg-glitch mind_the_glitch/weights/mtg-glitch
	@du -sh mind_the_glitch/weights/mtg-glitch
