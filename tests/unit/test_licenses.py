"""License tags: SPDX through license-expression, legacy names and classifiers mapped only when
they name one license, Fedora's own License: first, never a silent guess.

The metadata strings are real: they are the License / classifier fields of the PyPI releases
recorded in tests/data/specgen/vllm/buildinfo/ (transformers 5.20.2, tiktoken 0.14.0,
instanttensor 0.2.2, torchvision 0.29.0, numba, uvloop, tokenizers 0.23.3, ...).
"""

from __future__ import annotations

import pytest

from streams.sources.licenses import (
    CLASSIFIERS,
    UNKNOWN,
    choose_license,
    choose_license_for_target,
    legacy_license,
    spdx_expression,
)
from streams.targets import TARGETS

F44 = TARGETS["fedora-44-x86_64"]


def test_pep639_expression_is_normalised() -> None:
    got = choose_license("x", expression="mit or apache-2.0")
    assert (got.expression, got.source, got.warning) == (
        "MIT OR Apache-2.0",
        "license-expression",
        None,
    )


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Apache-2.0 WITH LLVM-exception", "Apache-2.0 WITH LLVM-exception"),
        ("GPL-2.0+", "GPL-2.0-or-later"),  # SPDX's deprecated id, the library's alias
        ("(mit OR apache-2.0) and bsd-3-clause", "(MIT OR Apache-2.0) AND BSD-3-Clause"),
        # user-defined references are kept, not turned into ScanCode's own
        ("MIT AND LicenseRef-Fedora-Public-Domain", "MIT AND LicenseRef-Fedora-Public-Domain"),
        ("MIT OR", None),
        ("MIT-ish", None),
        ("BSD", None),
    ],
)
def test_spdx_expression(text: str, want: str | None) -> None:
    assert spdx_expression(text) == want


def test_invalid_expression_is_unknown_with_a_warning() -> None:
    got = choose_license("x", expression="MIT-ish license, see file")
    assert got.expression == UNKNOWN and got.warning and "not a valid SPDX" in got.warning


@pytest.mark.parametrize(
    ("legacy", "want"),
    [
        ("Apache 2.0 License", "Apache-2.0"),  # transformers 5.20.2
        ("Apache 2.0", "Apache-2.0"),  # compressed-tensors, nvidia-nvtx
        ("Apache License, Version 2.0", "Apache-2.0"),  # pyopenssl
        ("MIT License", "MIT"),  # z3-solver, uvloop
        ("The MIT License (MIT)", "MIT"),
        ("BSD 3-Clause", "BSD-3-Clause"),
        ("new BSD license", "BSD-3-Clause"),
        ("GPLv3+", "GPL-3.0-or-later"),
        ("GNU Lesser General Public License v3 or later (LGPLv3+)", "LGPL-3.0-or-later"),
        ("LGPL-2.1", "LGPL-2.1-only"),  # an SPDX id (deprecated, defined as -only)
        ("PSF", "PSF-2.0"),
        ("BSD-3-Clause", "BSD-3-Clause"),
        # names that do not say which license: never guessed
        ("BSD", None),  # torchvision 0.29.0, numba, sympy, mpmath
        ("LGPL", None),
        ("GPLv3", None),  # only or or-later? (PEP 639 lists the classifier as ambiguous)
        ("GPL 3.0", None),
        ("LGPLv2+", None),  # 2.0 or 2.1
        ("BSD-derived (http://www.repoze.org/LICENSE.txt)", None),  # supervisor
        # NVIDIA's own name for its license: the reference its other wheels declare
        ("NVIDIA Proprietary Software", "LicenseRef-NVIDIA-Proprietary"),  # cusparselt-cu13
    ],
)
def test_legacy_license_names(legacy: str, want: str | None) -> None:
    assert legacy_license(legacy) == want


def test_a_license_text_in_the_license_field_is_known_by_its_title() -> None:
    tiktoken = (
        "MIT License\n        \n        Copyright (c) 2022 OpenAI, Shantanu Jain\n        \n"
        "        Permission is hereby granted, free of charge, to any person obtaining a copy\n"
    )
    instanttensor = (
        "Apache License\n                                   Version 2.0, January 2004\n"
        "                                http://www.apache.org/licenses/\n"
    )
    assert choose_license("tiktoken", license=tiktoken) == choose_license("x", license="MIT")
    got = choose_license("instanttensor", license=instanttensor)
    assert (got.expression, got.source, got.warning) == ("Apache-2.0", "license", None)
    # a text whose first line is not a license's title names nothing: the classifier decides
    text = "Copyright (c) 2000 Someone\n\nPermission is hereby granted..."
    got = choose_license("x", license=text, classifiers=("License :: OSI Approved :: MIT License",))
    assert (got.expression, got.source, got.warning) == ("MIT", "classifiers", None)


def test_transformers_gets_apache_without_warning() -> None:
    got = choose_license("transformers", license="Apache 2.0 License")
    assert (got.expression, got.source, got.warning) == ("Apache-2.0", "license", None)


def test_legacy_name_and_other_classifiers_are_flagged() -> None:
    got = choose_license(
        "uvloop",
        license="MIT License",
        classifiers=(
            "License :: OSI Approved :: Apache Software License",
            "License :: OSI Approved :: MIT License",
        ),
    )
    assert got.expression == "MIT"
    assert got.warning and got.warning.startswith("uvloop: ")
    assert "Apache Software License" in got.warning


def test_unambiguous_classifier_maps_without_warning() -> None:
    got = choose_license("x", classifiers=("License :: OSI Approved :: MIT License",))
    assert (got.expression, got.source, got.warning) == ("MIT", "classifiers", None)
    got = choose_license(
        "x",
        classifiers=("License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)",),
    )
    assert got.expression == "GPL-3.0-or-later"


@pytest.mark.parametrize(
    "classifier",
    [
        "License :: OSI Approved :: Apache Software License",  # tokenizers 0.23.3
        "License :: OSI Approved :: BSD License",
        "License :: OSI Approved :: GNU General Public License v3 (GPLv3)",
        "License :: OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)",
    ],
)
def test_pep639_ambiguous_classifiers_are_not_guessed(classifier: str) -> None:
    assert CLASSIFIERS[classifier] == ""
    got = choose_license("tokenizers", classifiers=(classifier,))
    assert got.expression == UNKNOWN
    assert got.warning and got.warning.startswith("tokenizers: ") and "PEP 639" in got.warning


def test_several_classifiers_are_flagged_for_review() -> None:
    got = choose_license(
        "x",
        classifiers=(
            "License :: OSI Approved :: MIT License",
            "License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)",
        ),
    )
    assert got.expression == "MIT AND MPL-2.0"
    assert got.warning and "OR" in got.warning


def test_known_and_ambiguous_classifiers_are_unknown_not_half_a_license() -> None:
    got = choose_license(
        "x",
        classifiers=(
            "License :: OSI Approved :: MIT License",
            "License :: OSI Approved :: Apache Software License",
        ),
    )
    assert got.expression == UNKNOWN
    assert got.warning and "MIT" in got.warning and "Apache Software License" in got.warning


def test_legacy_bsd_and_bsd_classifier_warn_naming_the_package() -> None:
    got = choose_license(
        "numba", license="BSD", classifiers=("License :: OSI Approved :: BSD License",)
    )
    assert got.expression == UNKNOWN
    assert got.warning and got.warning.startswith("numba: License 'BSD' does not name one")


def test_nothing_at_all_is_unknown_with_a_warning() -> None:
    got = choose_license("x")
    assert got.expression == UNKNOWN and got.warning and got.warning.startswith("x:")


@pytest.mark.parametrize(
    ("dist", "license", "classifiers", "want"),
    [
        # the known cases of issue 12: LicenseRef-Unknown from the metadata alone
        ("torchvision", "BSD", (), "BSD-3-Clause AND BSD-2-Clause AND MIT"),
        ("sympy", "BSD", ("License :: OSI Approved :: BSD License",), "BSD-3-Clause AND MIT"),
        ("jinja2", "", ("License :: OSI Approved :: BSD License",), "BSD-3-Clause"),
        ("tokenizers", "", ("License :: OSI Approved :: Apache Software License",), None),
    ],
)
def test_fedora_license_decides_for_fedora_targets(
    dist: str, license: str, classifiers: tuple[str, ...], want: str | None
) -> None:
    got = choose_license_for_target(dist, F44, license=license, classifiers=classifiers)
    if want is None:  # Fedora 44 does not package it: the metadata, with its warning
        assert got.expression == UNKNOWN and got.warning and got.warning.startswith(dist)
    else:
        assert got.expression == want and got.source.startswith("fedora-spec:")
        assert got.warning is None
    # the host target (None) has no Fedora spec: the metadata decides
    host = choose_license_for_target(dist, None, license=license, classifiers=classifiers)
    assert host == choose_license(dist, license=license, classifiers=classifiers)


def test_fedora_licenserefs_stay_fedoras() -> None:
    # llvmlite declares nothing usable: Fedora's License: decides, its LicenseRef kept as is
    got = choose_license_for_target("llvmlite", F44, license="BSD")
    assert "LicenseRef-Fedora-Public-Domain" in got.expression
    assert "scancode" not in got.expression


def test_pep639_expression_comes_before_fedoras_license() -> None:
    # issue 13's order: what upstream declares, then Fedora's License: only when it says nothing
    got = choose_license_for_target(
        "llvmlite", F44, expression="BSD-2-Clause AND Apache-2.0 WITH LLVM-exception"
    )
    assert (got.expression, got.source) == (
        "BSD-2-Clause AND Apache-2.0 WITH LLVM-exception",
        "license-expression",
    )
