"""Every public qa function has a docstring, and the docstring examples run as written."""

import doctest
import importlib
import inspect

import pytest

MODULES = [
    "qa.agreement",
    "qa.accuracy",
    "qa.consensus",
    "qa.sampling",
    "qa._alpha",
    "qa._bootstrap",
    "qa._chance",
    "qa._kappa",
    "qa._sprt",
    "qa._switching",
    "qa.iso2859",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


@pytest.mark.parametrize("name", ["qa.agreement", "qa.accuracy", "qa.consensus", "qa.sampling"])
def test_public_functions_have_docstrings_with_references(name):
    module = importlib.import_module(name)
    for attr in getattr(module, "__all__", dir(module)):
        obj = getattr(module, attr)
        if attr.startswith("_") or not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        assert obj.__doc__, f"{name}.{attr} has no docstring"
        if (
            inspect.isfunction(obj)
            and obj.__module__.startswith("qa")
            and attr
            not in (
                "code_letter",
                "category_counts",
                "reliability_matrix",
                "weight_matrix",
            )
        ):
            assert "References" in obj.__doc__ or "Examples" in obj.__doc__, attr
