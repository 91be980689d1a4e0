"""``ovbench split ov-swig`` and ``ovbench split verify``: a thin shell over :mod:`ovbench.splits.ovswig`."""

from __future__ import annotations

import click

from .app import EXIT_CODES_HELP, split


@split.command("ov-swig", epilog=EXIT_CODES_HELP)
@click.option("--annotations", required=True, type=click.Path(file_okay=False),
              help="SWiG/imSitu folder with imsitu_space.json and train/dev/test.json.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the stratified unseen-verb pick.")
@click.option("--n-unseen", type=click.IntRange(min=1), default=10, show_default=True,
              help="Number of unseen verbs (one per training-frequency stratum).")
@click.option("--n-rare", type=click.IntRange(min=0), default=20, show_default=True,
              help="Number of rare verbs (least frequent remaining verbs).")
@click.option("--unseen-verbs", type=click.Path(dir_okay=False), default=None,
              help="Freeze the unseen verbs from this file (one verb per line, or a JSON list) "
                   "instead of the seeded pick; --seed and --n-unseen are then ignored.")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="Where to write the manifest (atomically).")
@click.option("--write-annotations", type=click.Path(file_okay=False), default=None,
              help="Also write SWiG-format JSONs of the filtered train set and every dev/test subset here.")
def ov_swig(annotations, seed, n_unseen, n_rare, unseen_verbs, output, write_annotations):
    """Generate an Ov-SWiG split manifest (unseen and rare verbs) from SWiG annotations.

    \b
    Example:
      ovbench split ov-swig --annotations SWiG_jsons --seed 0 -o ov-swig.json
    """
    from ..splits.ovswig import generate_split, write_annotations as write_ann, write_manifest

    manifest = generate_split(annotations, seed=seed, n_unseen=n_unseen, n_rare=n_rare,
                              unseen_verbs=unseen_verbs)
    if write_annotations:
        write_ann(manifest, annotations, write_annotations)
    write_manifest(manifest, output)
    c = manifest["counts"]
    click.echo(
        f"wrote {output}: unseen {', '.join(manifest['unseen_verbs'])}; "
        f"train {c['train']['original']} -> {c['train']['all']} images; "
        f"dev/test unseen {c['dev']['unseen']}/{c['test']['unseen']}, rare {c['dev']['rare']}/{c['test']['rare']}; "
        f"{c['unseen_only_nouns']} unseen-only nouns; sha256 {manifest['sha256']}",
        err=True,
    )


@split.command("verify", epilog=EXIT_CODES_HELP)
@click.argument("manifest", type=click.Path(dir_okay=False))
@click.option("--annotations", type=click.Path(file_okay=False), default=None,
              help="Also regenerate the split from these annotations and compare.")
def verify(manifest, annotations):
    """Check a split manifest's sha256 (and, with --annotations, that it regenerates identically)."""
    from ..errors import SpecError
    from ..jsonio import load_json
    from ..splits.ovswig import BENCHMARK, verify_manifest

    doc = load_json(manifest, "split manifest")
    name = doc.get("benchmark") if isinstance(doc, dict) else None
    if name != BENCHMARK:
        import importlib

        try:  # another benchmark's manifest: hand over to its module when it has a verifier
            other = importlib.import_module(f"ovbench.splits.{str(name).replace('-', '')}")
            other_verify = other.verify_manifest
        except (ImportError, AttributeError):
            raise SpecError(f"{manifest}: not a split manifest ovbench can verify (benchmark {name!r})") from None
        other_verify(manifest, annotations)
        click.echo(f"{manifest}: OK ({name})")
        return
    m = verify_manifest(manifest, annotations)
    click.echo(f"{manifest}: OK (ov-swig version {m['version']}, sha256 {m['sha256']}"
               + (", regenerated from the annotations" if annotations else "") + ")")
