"""JSON Schema export of every contract model (`gridstream contracts export`)."""

import json
from pathlib import Path

from gridstream.contracts.registry import MODELS


def export_schemas(out_dir: Path) -> list[Path]:
    """Write `<Model>.json` for every model into out_dir; return the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for model in MODELS:
        schema = model.model_json_schema(mode="serialization")
        schema["x-subject"] = model.SUBJECT_PATTERN
        schema["x-schema-version"] = model.SCHEMA_VERSION
        path = out_dir / f"{model.__name__}.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        written.append(path)
    return written
