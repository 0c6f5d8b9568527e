"""License tags: SPDX from metadata, classifiers through the table, never a silent guess."""

from __future__ import annotations

from streams.specgen.licenses import UNKNOWN, choose_license


def test_pep639_expression_is_canonicalized() -> None:
    got = choose_license("x", expression="mit or apache-2.0")
    assert (got.expression, got.source, got.warning) == (
        "MIT OR Apache-2.0",
        "license-expression",
        None,
    )


def test_invalid_expression_is_unknown_with_a_warning() -> None:
    got = choose_license("x", expression="MIT-ish license, see file")
    assert got.expression == UNKNOWN and got.warning and "not a valid SPDX" in got.warning


def test_legacy_license_field_used_only_when_it_is_spdx() -> None:
    assert choose_license("x", license="BSD-3-Clause").expression == "BSD-3-Clause"
    long_text = "Copyright (c) 2000 Someone\n\nPermission is hereby granted..."
    got = choose_license(
        "x", license=long_text, classifiers=("License :: OSI Approved :: MIT License",)
    )
    assert (got.expression, got.source) == ("MIT", "classifiers")


def test_one_classifier_maps_without_warning() -> None:
    got = choose_license("x", classifiers=("License :: OSI Approved :: Apache Software License",))
    assert (got.expression, got.warning) == ("Apache-2.0", None)


def test_several_classifiers_are_flagged_for_review() -> None:
    got = choose_license(
        "x",
        classifiers=(
            "License :: OSI Approved :: MIT License",
            "License :: OSI Approved :: Apache Software License",
        ),
    )
    assert got.expression == "Apache-2.0 AND MIT"
    assert got.warning and "OR" in got.warning


def test_vague_classifier_is_not_guessed() -> None:
    got = choose_license("numpy", classifiers=("License :: OSI Approved :: BSD License",))
    assert got.expression == UNKNOWN
    assert got.warning and "does not name one license" in got.warning


def test_nothing_at_all_is_unknown_with_a_warning() -> None:
    got = choose_license("x")
    assert got.expression == UNKNOWN and got.warning and got.warning.startswith("x:")
