"""`parse_xml`: hostile XML credential files (Maven settings, NuGet.Config) are refused with a
reason, never parsed with a DTD and never raise."""

from __future__ import annotations

import pytest

from patlint.sources.readers.xmlsafe import child_text, parse_xml

_DTD_DOC = (
    '<?xml version="1.0" encoding="{enc}"?>'
    '<!DOCTYPE s [<!ENTITY a "hidden">]><settings><password>&a;</password></settings>'
)


@pytest.mark.parametrize("enc", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_a_dtd_in_another_encoding_is_refused_too(enc: str) -> None:
    # The DTD test looks for ASCII `<!DOCTYPE`: a UTF-16 file spells it with NULs between.
    data = _DTD_DOC.format(enc=enc.upper()).encode(enc)
    root, why = parse_xml(data)
    assert root is None and why


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0" encoding="UTF-16-BE"?><settings/>',  # ValueError in ElementTree
        b'<?xml version="1.0" encoding="no-such-codec"?><settings/>',
        b'<?xml version="1.0" encoding="utf-7"?><settings/>',
        "<s>é</s>".encode("latin-1"),
        b"<s>\x00</s>",
        b"",
    ],
)
def test_malformed_declarations_are_a_reason_not_an_exception(data: bytes) -> None:
    root, why = parse_xml(data)
    assert root is None and why and "hidden" not in why


def test_entities_are_refused_in_utf8() -> None:
    assert parse_xml(_DTD_DOC.format(enc="UTF-8").encode()) == (
        None,
        "DTDs and entities are not accepted",
    )


def test_plain_settings_parse_with_namespaces() -> None:
    root, why = parse_xml(b'<settings xmlns="urn:x"><id> github </id></settings>')
    assert why is None and root is not None
    assert child_text(root, "id") == "github" and child_text(root, "password") is None
