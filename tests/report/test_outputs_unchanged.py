"""A refactor of the analyses or the report changes no output byte: the run directory built here
from fixed samples must give the tables, summary.md, report.html and figures whose sha256 were
recorded below on the tree before the refactor.

The run is real (prepare, the real math verifier, analyse, report) over samples fixed by a formula
(no random draws), with four models (base, RL, two checkpoints) so the boundary, along-training and
registered analyses' sections are all drawn. What is not output of the code under test is pinned
before the report stage: the manifest's clock, versions and verifier versions, and the run
directory's path in report.html.

Figures are compared only under the matplotlib they were recorded with (another version draws
other bytes; the test then says so as a skip, and report.html is compared with its figures cut
out). When an output is MEANT to change, record the digests again on the commit that changes it:
``python tests/report/test_outputs_unchanged.py`` prints the new ``TEXT`` and ``FIGURES``.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import matplotlib
import pytest

from passbound.config import study_from_dict
from passbound.stages import analyse_run, prepare_run, report_run, verify_run
from passbound.store.rundir import samples_to_table
from passbound.types import Sample

N = 8
MODELS = [
    {"name": "base", "path": "none", "role": "base", "engine": "hf"},
    {"name": "rl", "path": "none", "role": "rl", "engine": "hf", "base": "base"},
    {"name": "ckpt-100", "path": "none", "role": "checkpoint", "engine": "hf", "base": "base", "step": 100},
    {"name": "ckpt-200", "path": "none", "role": "checkpoint", "engine": "hf", "base": "base", "step": 200},
]
PINNED = {
    "created": "2026-01-01T00:00:00+00:00",
    "updated": "2026-01-01T00:00:00+00:00",
    "passbound_version": "0.0.0",
    "python": "3.x",
    "verifier_versions": {"math": "math-pinned"},
}
FIGURE = re.compile(rb"<svg.*?</svg>|data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", re.S)  # svg+xml too
RECORDED_WITH = "3.11.2"  # matplotlib

TEXT = {
    'accuracy_hist.csv': '6c067d6e5263151e997652d9c5b7a385a1b75e3a02b1bce8d6fb6ade4d8f605b',
    'algorithms.csv': '47d04082355cdf956c475e227f33fa620416b129f99a8996a35608591c1148ba',
    'along_training.csv': '4d51a1830a3aa8556a6046db504e57c39c6dc7ad1bd8e9068ab8dd8b70a64018',
    'bayes_passk.csv': 'b6f253026af3645e7672d93d64a44861bac9fb4ca13a32cd54859c0ede32691b',
    'budget_crossover.csv': '578e700eae1e09644a4850847a3a7a6eb7604c3c71b450d946110db3d87e6655',
    'budget_passk.csv': '6a8e74e9da44d789799fd14f6ca59fc344ab60eb667f9e3a67f3046323a689ad',
    'chance.csv': '3da367f4f62ff092011edbef9bc8d6a5c2e94073503fe94f0e76d55535b29a09',
    'contamination.csv': 'b91d2a39dd9444c08e3922cbc5c756f03b41a3ff23170d50ed9afe33680ead40',
    'cover.csv': '5bf7d3f601b76aa5e966c7c43e1574f1c61012b34c42b0247f49176e88c12e84',
    'crossover.csv': '1870800b87ffc3e3fd288d740e846f01076757509187309f82927dfb672db8cf',
    'delta_se.csv': '026532b21c53260edc393a2214f254875d6783e442d3c144ece7025546b08be8',
    'diversity.csv': 'f3347eb99f10080f6e5baf7ae3825d6a332dd645f9031e2fb2aea9aca41d4b10',
    'drilldown.json': '83c6bdfcf559c15dfdfb91270256f915ad11087b2c3d8657eb486e029aa25f1f',
    'gpass.csv': '9bd4b91c9048eb4cb3223d8a65f4a3b39d89716fbe5263713a09f66182897be6',
    'majk.csv': '8d4ea9a4ef3ce5f07f1fc05768e0c7f3704a8571101868f791677f9745e8c599',
    'overlap.csv': '61765a4025e975f8e0ec155184cac4f856996e548f6c4a9190d46bd33a4f301c',
    'paired.csv': '99aed75ed0a03bd9b2bc67227e6a8a13fe499a504d73dfcb6e3f8f5f3e901ace',
    'pass_hat_k.csv': 'bbe9cb071e82335648488d3ff48d461ed6bf6b5d52b41ee4620e80b9329cbc56',
    'passk.csv': 'f4ce4ec76ab70617a22ab91b537ea9b20c3574f535105f18b4dc03278fcc780d',
    'passk_beyond_n.csv': '8886228a6c08a1c6f7e4109e36dd1c7170f4d93cdb3b88597b1a4045f1a5e59c',
    'passk_beyond_n_check.csv': '4e5ae8dd6b30f86760e4d885ba39c4da1a4b6fd005704a8a223e138eec286a06',
    'report.html': 'c1fa535469062bf3d87b1bc02f4f97adaab995761b91a957142364005288934c',
    'series.csv': '7b6eb4e405312fefceb669e4e8f48ce00622cddc70709cbd95fddd4e7befee92',
    'sharpening_tax.csv': '29fd58078cbfe777e22b3f3cc1fc4e42ee8bb284bf267a02b381abb596f73d3d',
    'summary.csv': 'b78c21f897a97609932177498b9d412dd84c1c5e248f51baf0d81e5b0cf1713b',
    'summary.md': 'f6388e02230a90e9ac6c0bd0be36d61323574c6690a841faa5ed5d25cd89ea67',
    'support.csv': 'b91e5fccab1da700d94a5943821e4e26dbf78cfaa8a974203b0425970c7473ef',
    'support_problems.csv': '08473e48405dc0e668c68e1f946fafb54cb698db6b1ae7605c5e00c8ce7c4120',
    'tables/accuracy_hist.md': 'c510fbf92c4817a5fdeb26a9d6e0521d6c4f712e5575303c7213101f43bc5327',
    'tables/accuracy_hist.tex': '0e3d00be004df65333b5de77c7b74d89a0e60090e70b132923a30ec1dbc773a2',
    'tables/algorithms.md': 'b50033f73ac8768ff84c72773fa9a1a6d632507bde9a410f5e85fc80ac46e043',
    'tables/algorithms.tex': 'c82ab69f5bd88799034aad6d0733913a43bceab4227ff229c7bf0a03d6ccd032',
    'tables/along_training.md': '1bfb9dbe4c2b7803c92800419dae6ebf662a2f25d8caaa75df3fd2b1a3948e4f',
    'tables/along_training.tex': 'f4b7f524e8a7131dabe03ff5587dcfc7184b51f78a1d1d4f8f5b5e1fa8cbcd92',
    'tables/bayes_passk.md': '7bd3b8ea0766f6c776608045c8beb3687b7d43abb7237b092fdf79daab8f4d60',
    'tables/bayes_passk.tex': '396d80c675a36919aa01b068e931d9558a70b2c8d3815fdcb1e9c93628ed4cd7',
    'tables/budget_crossover.md': 'f725ee919db0f3d2c35e51a4686542a5c880f8f3348c89dafb878130e814bd94',
    'tables/budget_crossover.tex': '25b96b5a9e0dfaac92af0363c667014c4db80ef611fd24e2d1ed4afb5b0ecc11',
    'tables/budget_passk.md': '221856b3bc3525cc4e183c295b1c4fa5fc0c06b81020b50d82c6494a8e3c8f99',
    'tables/budget_passk.tex': '40f3da4e08ab6a17e0b0de75be633566d11ef05dd0319dd086834d0fdbfd403d',
    'tables/chance.md': '3b76388ce94249b0280f4654a558978179f740a1080f78b9f0973a050ca99ff0',
    'tables/chance.tex': '39e55b91de002cbe2e537a0968eea6398c7638f50b1ac5bb80d68e5f4c6d10b0',
    'tables/contamination.md': '3f8b0ace7bdbbef3fabf072d6f9bb51910597575bc82b2bd666058cd3fadc47d',
    'tables/contamination.tex': 'bcbb0f090be77df523ca5751eff16091d0c9535143f8e53beb7a30ee293a1c33',
    'tables/cover.md': 'eb0e82b97a915949fc2f5002b82641b33b2f99904b2487cbe3ab9c964007cca5',
    'tables/cover.tex': '6674fdd6fb466a1b47de0b9dc834c258fc1ec65441b2459451085c26957e6db1',
    'tables/crossover.md': '6b79295b98dc8d1a40cf354b004e7d128b1c1a04a3c8a52659cfb49049b4bbf6',
    'tables/crossover.tex': 'e9d702be6f68418efde4da5f58edf79d1375b111e4b62c18ae54359f154415f1',
    'tables/delta_se.md': 'd5118bce35718839fa2b39ec9e34ce77fe666fe4b2947edfa674b8e6cac054fb',
    'tables/delta_se.tex': '2492c966f8db0231a21014a4b644de30d2adfcff71cd41202267b945464bfa62',
    'tables/diversity.md': 'bdeb4556fa2cd6f166462e34c2626fdc7aae6371685971a966a49b64170dfe5c',
    'tables/diversity.tex': 'ab315c7a74f844fca66703a9dd8d8ca59b75b27541711a1833665cff98ba77dd',
    'tables/gpass.md': 'd72fa68cb79c02e09750243fbf70bbf95add6894273b55cf8b2ba485a87883d4',
    'tables/gpass.tex': 'c38017a47ec39c3160bb51da438b65d63a50df895ba541409c79befb76bd2c61',
    'tables/majk.md': '035c39cec9400742cd678cab2e7ca3c5e562f83cabafe2f21849c93b9fb33cf1',
    'tables/majk.tex': '9dd35a5d12b9f653753243189063e261b4f47b7b95b9b348800e48b31ff44d1f',
    'tables/overlap.md': '467bce915b31cb410c2195ffb220bcda17e349735e6181ebab7c3b485138b27f',
    'tables/overlap.tex': 'd214fecd23f5f326581dd7caa62fb11ceed97ef918022a3cf0c5f582050f0db2',
    'tables/paired.md': '112c68b7e4e9f5977a9b3d0d904914c5ca9cc9b21999faf6c077df2ebcc03655',
    'tables/paired.tex': '608467948d298105e2d50714e4c21456304b6bc41eead03220b633ed21766f55',
    'tables/pass_hat_k.md': '272d6a669d1b9d6c65ed21e53b613bb4fa95b8a153b337b8ad8984249ad610f3',
    'tables/pass_hat_k.tex': 'ad8c45343a7e963f16ca139e40ab63f3ff2a3f1ad1c5aff56814d6c0c09300a1',
    'tables/passk.md': '253acdfc7d9feb5cdf148006197dc6c69dd229a75de6e62aba90ba1e02066391',
    'tables/passk.tex': 'bfc9502a481a7eb49ea2cd92eb9a2b2abb40e847977015d141b11782172d0172',
    'tables/passk_beyond_n.md': '3885ec959a404558f779a6eec72649c2726d2a066f81950d018ae01240f5ed32',
    'tables/passk_beyond_n.tex': '2410110dc82e79fb11b392dca307cb974d66a4084fcdd147cf3c5f0128810549',
    'tables/passk_beyond_n_check.md': '02dd8c27570579badc44b19f0a58d8ac35a575a76476180366460746e1b1ad83',
    'tables/passk_beyond_n_check.tex': '6e50bec76c7d5e887e46bb23c1000df3f97fc3e01df73746f5204ae8861cde9d',
    'tables/series.md': 'f0acef338babe46e19953379afcddf8662e5e71f880efbc97a6fd7d7f090ff2a',
    'tables/series.tex': '0b4efaebc73a812cd6a238ef154309b087efd5b0fbc7069720330c04d678df41',
    'tables/sharpening_tax.md': '4feadeb005778b95170d7597dc88add8497ac068c4f4882d2f7c5ef9d8c45fd8',
    'tables/sharpening_tax.tex': '7550467566503d5ae45d34b815b700be83bdb50ed0794cd4fd9c1127b9043995',
    'tables/summary.md': '7b835827878317e46f9d09036524058b3ce80d08a80beeb1ae423d4aacae4ba2',
    'tables/summary.tex': 'dab6d2021a1a00c1410a63c0fefe25cfbb66dc423c013143d447da6db82afb39',
    'tables/support.md': 'eed088f08e6f9fc0067d04c6d523f0c67034b93cd0c0e943765755e52917b58d',
    'tables/support.tex': '60ba53593ce4274b0d17ee182f6561a33ed8bd35c0767904d5675b850fc4764d',
    'tables/support_problems.md': '25e160af49e83c48e6afcad25e0aa3edf95dbb378f1d6bd90737ec5f55ae111f',
    'tables/support_problems.tex': 'c3f11523438cf4d69a0beff28a81c642c0a8ccd34d1710cbe2804c07ca474737',
    'tables/training_curves.md': '4f395f24bc765856ad28fd510d44e31bd1b227610c2fdd67a519022aa60271bc',
    'tables/training_curves.tex': 'b56de2f225e769110ae480fec33090808cd2c968a97f89f5eabab5f956830b90',
    'tables/truncation.md': '076563a7e09383e8c7000708283982974a3255c88571c6bd25e1c5399bfa3b97',
    'tables/truncation.tex': '2ca5a3c6f550f23a4f78aabf929be954c985ef7c027b394b4b7dc937e5178115',
    'training_curves.csv': '12deb3b7f4ebe0a5f436bc8c80533989c2ea8e3d1b8f30eafc45200607ac972d',
    'truncation.csv': 'c3c3bfbdfbfe0a8ab60e654005e8cbbab0ccd536b37e68c64dd4451b712a0402',
}
FIGURES = {
    'figures/accuracy_hist.png': 'b2c198a6bee50e91f7e7feab5db3260cd00691d555f4eea9b4bc1a319540657c',
    'figures/accuracy_hist.svg': '5ae13413c4e22a454f2b0b66581f7e9760bef31a679b44ac555a1d2c8ee6133b',
    'figures/overlap_synthetic.png': '4a66a0016c74eeeca4fb188821029fda55f8cb59384c5fe7c2c364dbe1c8508b',
    'figures/overlap_synthetic.svg': '67d29ac9d45d8f23d13b521c50544afb6a4163727f5a38f5e525028565c31158',
    'figures/passk_synthetic.png': '15fb92d68a210c3df4d21c96026fd2f472034877b1bd3a244135a7c76089f1dc',
    'figures/passk_synthetic.svg': '76decb254c14de018281e57dd36ca4419915134a044a5406d1b2d120512d6b4c',
    'figures/series.png': '84ba647ec271ae743c001d894a93026595e5dd2d10fcd6d82237c1e370e34dde',
    'figures/series.svg': 'c5e79bae4833fece87244f5fd36d57f8944cf95238a0e8c6ff7ffdc67ded726b',
    'report.html': '6902275bfea1720fbb9cbe7dcb928b3c5fd0f3ea1423f6882a0b01d4ed9d43f0',
}


def build(out: Path) -> Path:
    """The run directory: 12 synthetic problems, 4 models x 8 samples, right answers by formula."""
    study = study_from_dict(
        {
            "name": "unchanged",
            "output": str(out),
            "models": MODELS,
            "benchmarks": [{"name": "synthetic", "limit": 12, "options": {"n_problems": 12, "levels": [1, 2]}}],
            "sampling": {"n": N, "chunk_size": 6},
            "verify": {"workers": 1},
            "analysis": {"bootstrap": 30, "extrapolate_bootstrap": 20, "bayes_draws": 100},
        }
    )
    run = prepare_run(study)
    problems = run.read_problems("synthetic")
    for m, model in enumerate(MODELS):
        for chunk in range(0, len(problems), 6):
            rows = []
            for i, q in enumerate(problems[chunk : chunk + 6], start=chunk):
                for j in range(N):
                    right = (7 * i + 3 * j + 5 * m) % (3 + (i + m) % 5) == 0
                    answer = q.target if right else int(q.target) + 1 + j % 2  # two wrong answers: diversity
                    rows.append(Sample(model["name"], "synthetic", q.id, j, f"\\boxed{{{answer}}}", "stop", 5, 0))
            run.write_shard("samples", model["name"], "synthetic", chunk // 6, samples_to_table(rows))
    verify_run(study, run, show_progress=False)
    analyse_run(study, run)
    manifest = run.path / "manifest.json"
    manifest.write_text(
        json.dumps({**json.loads(manifest.read_text(encoding="utf-8")), **PINNED}, indent=2, sort_keys=True),
        encoding="utf-8",
    )
    report_run(run)
    return run.path


def digests(run: Path) -> tuple[dict[str, str], dict[str, str]]:
    """sha256 of every output file: (text outputs, figures); report.html twice, whole among the
    figures and with its figures cut out among the text."""
    text: dict[str, str] = {}
    figures: dict[str, str] = {}
    for path in sorted(run.rglob("*")):
        name = path.relative_to(run).as_posix()
        if not path.is_file() or path.suffix == ".parquet" or name in ("manifest.json", "study.toml"):
            continue  # inputs of the report, not its outputs
        data = path.read_bytes()
        if name == "report.html":
            data = data.replace(str(run).encode(), b"<run>")
            figures[name] = hashlib.sha256(data).hexdigest()
            data = FIGURE.sub(b"<figure>", data)
        (figures if name.startswith("figures/") else text)[name] = hashlib.sha256(data).hexdigest()
    return text, figures


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], dict[str, str]]:
    return digests(build(tmp_path_factory.mktemp("unchanged") / "run"))


def test_tables_summary_and_page_are_unchanged(outputs: tuple[dict[str, str], dict[str, str]]) -> None:
    text, _ = outputs
    assert "summary.md" in text and "report.html" in text and "tables/passk.tex" in text
    changed = sorted(k for k in TEXT.keys() | text.keys() if TEXT.get(k) != text.get(k))
    assert not changed, f"outputs changed: {changed}"


def test_figures_are_unchanged(outputs: tuple[dict[str, str], dict[str, str]]) -> None:
    if matplotlib.__version__ != RECORDED_WITH:
        pytest.skip(f"figures were recorded with matplotlib {RECORDED_WITH}, this is {matplotlib.__version__}")
    _, figures = outputs
    assert "figures/passk_synthetic.png" in figures and "figures/series.svg" in figures
    changed = sorted(k for k in FIGURES.keys() | figures.keys() if FIGURES.get(k) != figures.get(k))
    assert not changed, f"figures changed: {changed}"


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        text, figures = digests(build(Path(tmp) / "run"))
    print(f"RECORDED_WITH = {matplotlib.__version__!r}  # matplotlib")
    for label, table in (("TEXT", text), ("FIGURES", figures)):
        print(f"{label} = {{")
        for name, digest in table.items():
            print(f"    {name!r}: {digest!r},")
        print("}")
