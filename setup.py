"Packaging for mind_the_glitch; metadata lives in settings.ini (nbdev 2 convention)."

from configparser import ConfigParser

import setuptools

config = ConfigParser(delimiters=["="])
config.read("settings.ini", encoding="utf-8")
cfg = config["DEFAULT"]

licenses = {"apache2": ("Apache Software License 2.0", "OSI Approved :: Apache Software License")}
statuses = ["1 - Planning", "2 - Pre-Alpha", "3 - Alpha", "4 - Beta", "5 - Production/Stable"]
lic = licenses[cfg["license"]]
requirements = cfg.get("requirements", "").split()
pipeline_requirements = cfg.get("pipeline_requirements", "").split()
baselines_requirements = cfg.get("baselines_requirements", "").split()
dev_requirements = cfg.get("dev_requirements", "").split()
console_scripts = cfg.get("console_scripts", "").split()

setuptools.setup(
    name=cfg["lib_name"],
    license=lic[0],
    classifiers=[
        "Development Status :: " + statuses[int(cfg["status"])],
        "Intended Audience :: " + cfg["audience"].title(),
        "License :: " + lic[1],
        "Natural Language :: " + cfg["language"].title(),
        "Programming Language :: Python :: 3",
    ],
    url=cfg["git_url"],
    packages=setuptools.find_packages(include=["mind_the_glitch", "mind_the_glitch.*"]),
    # The embedded backbone's trained weights ship inside the package.
    package_data={
        "mind_the_glitch": [
            "weights/*/*.json",
            "weights/*/*.safetensors",
            "weights/*/*.md",
            "weights/*/*/*.json",
            "weights/*/*/*.safetensors",
        ]
    },
    include_package_data=True,
    install_requires=requirements,
    # core: score images with the shipped model; [pipeline]: dvc repro and the notebooks;
    # [baselines]: CLIP/DINO/EfficientNet
    extras_require={
        "pipeline": pipeline_requirements,
        "baselines": baselines_requirements,
        "dev": pipeline_requirements + dev_requirements,
    },
    dependency_links=cfg.get("dep_links", "").split(),
    python_requires=">=" + cfg["min_python"],
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    zip_safe=False,
    entry_points={"console_scripts": console_scripts, "nbdev": [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
    version=cfg["version"],
    description=cfg["description"],
    author=cfg["author"],
    author_email=cfg["author_email"],
    keywords=cfg["keywords"],
)
