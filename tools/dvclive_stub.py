"""For bare GPU machines without dvclive: a do-nothing `dvclive.Live`, so that training runs without its curves.

    import dvclive_stub; dvclive_stub.ensure_dvclive()    # from a script in tools/ or benchmarks/ (tools/ on sys.path)
"""
import importlib.machinery, sys, types


def ensure_dvclive() -> bool:
    "Install the stub if dvclive is missing; True if it was installed. Call it after importing mind_the_glitch, whose optional-import probes need a real module spec."
    try:
        import dvclive  # noqa: F401
        return False
    except ImportError:
        class _NoLive:
            def __init__(self, *a, **k): self.step = 0
            def __getattr__(self, name): return lambda *a, **k: None
        stub = types.ModuleType("dvclive"); stub.__spec__ = importlib.machinery.ModuleSpec("dvclive", None); stub.Live = _NoLive
        sys.modules["dvclive"] = stub
        print("dvclive not installed: curves are not logged", flush=True)
        return True
