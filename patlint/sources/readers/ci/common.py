"""What the CI reader, its model and the CI policy rules share: the file type and usage its
findings carry."""

from __future__ import annotations

FILE_TYPE = "ci-yaml"
USAGE = "ci"
