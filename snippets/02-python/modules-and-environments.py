# --8<-- [start:imports]
import importlib.metadata
import importlib.util
import math
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

print(math.sqrt(2) == np.sqrt(2), math.pi)
print(type(math).__name__, math.__name__, np.__name__, torch.__name__)
print("this file runs as:", __name__)
assert __name__ == "__main__"
# --8<-- [end:imports]

# --8<-- [start:versions]
print("Python ", sys.version.split()[0])
print("NumPy  ", np.__version__)
print("PyTorch", torch.__version__)
print("in a virtual environment:", sys.prefix != sys.base_prefix)
print("CUDA GPU available:      ", torch.cuda.is_available())
assert sys.version_info >= (3, 10)
assert importlib.metadata.version("numpy") == np.__version__
# --8<-- [end:versions]

# --8<-- [start:find_spec]
for name in ["numpy", "torch", "sklearn", "torchvison"]:
    found = importlib.util.find_spec(name) is not None
    print(f"{name:>10}: {'installed' if found else 'not installed'}")
assert importlib.util.find_spec("torchvison") is None  # a typo: no such package
# --8<-- [end:find_spec]

# --8<-- [start:pinning]
installed = {name: importlib.metadata.version(name) for name in ["numpy", "torch"]}
requirements = "".join(f"{name}=={version}\n" for name, version in installed.items())
print(requirements, end="")

with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "requirements.txt"
    path.write_text(requirements)
    pins = dict(line.split("==") for line in path.read_text().splitlines())
for name, version in pins.items():
    print(f"{name}: pinned {version}, installed {importlib.metadata.version(name)}")
    assert importlib.metadata.version(name) == version
# --8<-- [end:pinning]

# --8<-- [start:own_package]
LAYERS = '''\
"""Layers for tinynet."""


def relu(values):
    return [max(0.0, v) for v in values]


print(f"layers.py loaded, its __name__ is {__name__!r}")

if __name__ == "__main__":
    print("layers.py run as a script: quick self-test")
    assert relu([-1.0, 2.0]) == [0.0, 2.0]
'''

with tempfile.TemporaryDirectory() as tmp:
    package = Path(tmp) / "tinynet"
    package.mkdir()
    (package / "__init__.py").write_text('"""A tiny package."""\n')
    (package / "layers.py").write_text(LAYERS)

    sys.path.insert(0, tmp)  # let Python find the package, as an installed one would be found
    from tinynet.layers import relu

    print("relu:", relu([-1.0, 0.5]))

    script = subprocess.run(
        [sys.executable, str(package / "layers.py")], capture_output=True, text=True, check=True
    )
    print(script.stdout, end="")
    sys.path.remove(tmp)
assert relu([-1.0, 0.5]) == [0.0, 0.5] and "self-test" in script.stdout
# --8<-- [end:own_package]


# --8<-- [start:main_guard]
def main():
    print("training would start here")


if __name__ == "__main__":
    main()
# --8<-- [end:main_guard]


# --8<-- [start:exercise_1]
def at_least(version, minimum):
    numbers = tuple(int(part) for part in version.split("+")[0].split(".")[:2])
    return numbers >= minimum


print("NumPy >= 1.20:", at_least(np.__version__, (1, 20)))
print("PyTorch >= 2.0:", at_least(torch.__version__, (2, 0)))
print("'1.9' < '1.10' as strings?", "1.9" < "1.10", "| as tuples?", (1, 9) < (1, 10))
assert at_least("2.4.1", (1, 20)) and not at_least("1.19.5", (1, 20))
assert at_least("2.13.0+cpu", (2, 0))
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
with tempfile.TemporaryDirectory() as tmp:
    package = Path(tmp) / "tinynet"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "layers.py").write_text(LAYERS)
    as_module = subprocess.run(
        [sys.executable, "-m", "tinynet.layers"],
        cwd=tmp,
        capture_output=True,
        text=True,
        check=True,
    )
print(as_module.stdout, end="")
assert "'__main__'" in as_module.stdout
# --8<-- [end:exercise_2]
