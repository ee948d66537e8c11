"""Real code nobody here wrote: pinned wheels from PyPI, unpacked under benchmarks/corpus/ (git-ignored).

    python benchmarks/corpus.py          # download and unpack; prints the source folders
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"

# Packages full of correct Keras and PyTorch code, pinned so that results are comparable over time.
PACKAGES = (
    "transformers==4.57.6",
    "keras==3.15.1",
    "keras-hub==0.32.0",
    "pytorch-lightning==2.6.6",
    "torchmetrics==1.9.0",
    "timm==1.0.31",
)


def folder(requirement: str) -> Path:
    return CORPUS / "src" / requirement.replace("==", "-")


def fetch(packages: tuple[str, ...] = PACKAGES) -> list[Path]:
    """Download (once) and unpack each pinned wheel; return the unpacked folders."""
    wheels = CORPUS / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    folders = []
    for requirement in packages:
        target = folder(requirement)
        if not target.is_dir():
            name, version = requirement.split("==")
            pattern = f"{name.replace('-', '_')}-{version}-*.whl"
            if not list(wheels.glob(pattern)):
                subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(wheels),
                                requirement], check=True)
            [wheel] = wheels.glob(pattern)
            with zipfile.ZipFile(wheel) as archive:
                archive.extractall(target)
        folders.append(target)
    return folders


if __name__ == "__main__":
    for path in fetch():
        print(path)
