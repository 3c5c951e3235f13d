"""GitHub's CRC32/Base62 token checksum, checked against the published worked example."""

from __future__ import annotations

import random
import zlib

import pytest

from patlint.detectors.checksum import BASE62, base62, checksum_for, checksum_ok
from patlint.tokengen import make_token

# The worked example from DataDog's test list (reference §1.3), assembled at run time so the
# repository holds no token-shaped literal.
ENTROPY = "M7H4jxUDDWHP4kZ6A4dxlQYsQIWJuq"


def test_worked_example_crc_and_encoding() -> None:
    crc = zlib.crc32(ENTROPY.encode()) & 0xFFFFFFFF
    assert crc == 937837982 == 0x37E6459E
    assert base62(crc) == "11T4V4"
    assert checksum_ok("ghp_" + ENTROPY + "11T4V4")


def test_last_character_changed_fails() -> None:
    assert not checksum_ok("ghp_" + ENTROPY + "11T4V3")


def test_base62_padding_and_alphabet() -> None:
    assert base62(0) == "000000"
    assert base62(61) == "00000z"
    assert base62(62) == "000010"
    assert base62(0xFFFFFFFF) == "4gfFC3"  # the largest CRC: first checksum character is 0-4
    assert BASE62 == "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@pytest.mark.parametrize("kind", ["ghp", "gho", "ghu", "ghs", "ghr"])
def test_generated_tokens_validate_and_broken_ones_do_not(kind: str) -> None:
    rng = random.Random(kind)
    for _ in range(200):
        good = make_token(kind, rng)
        assert checksum_ok(good)
        assert good[-6] in "01234"
        assert not checksum_ok(make_token(kind, rng, valid=False))


def test_random_token_shaped_strings_pass_only_by_chance() -> None:
    rng = random.Random(7)
    alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    passes = sum(
        checksum_ok("ghp_" + "".join(rng.choice(alnum) for _ in range(36))) for _ in range(20000)
    )
    assert passes == 0  # expected rate 2^-32


def test_docs_example_tokens_fail_the_checksum() -> None:
    assert not checksum_ok("gho_16C7e42F292c6912E7710c838347Ae178B4a")
    assert checksum_for("16C7e42F292c6912E7710c838347Ae") != "178B4a"
