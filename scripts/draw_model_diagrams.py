"""Draw every rational model's template into docs/pictures/models-<name>.svg.

The drawings come from :func:`rational.models.diagrams.model_diagram`: each arc is
labelled with the formula of its weight. Run after changing a model's template:

    python scripts/draw_model_diagrams.py
"""

from __future__ import annotations

from pathlib import Path

from rational.models.diagrams import DIAGRAMS, model_diagram

PICTURES = Path(__file__).resolve().parent.parent / "docs" / "pictures"


def main() -> None:
    for name, (_, _, caption) in DIAGRAMS.items():
        path = model_diagram(name).save_picture(PICTURES / f"models-{name}.svg", title=caption)
        print(path)


if __name__ == "__main__":
    main()
