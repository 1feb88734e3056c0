"""Sphinx configuration of the sklearn_scaling documentation.

Build from the repository root with::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

The build needs no network: there is no intersphinx mapping, and MathJax comes from the
``sphinx-mathjax-offline`` package (in the ``docs`` extra), so the built pages need none
either to show equations. The gallery in
``examples/`` runs during the build; the example on the real data sets reads them from
the folder named by the environment variable ``SKLEARN_SCALING_DATA`` and skips itself
when it is unset.
"""

import sys
from pathlib import Path

import matplotlib

# Draw off-screen: the build machine has no display.
matplotlib.use("Agg")

import sklearn_scaling  # noqa: E402

# The project's own Sphinx extensions (``law_library``: the ``.. law-library::``
# directive of user_guide/laws.rst).
sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))

# -- Project -------------------------------------------------------------------------

project = "sklearn_scaling"
author = "the sklearn_scaling developers"
copyright = "the sklearn_scaling developers, BSD-3-Clause"
version = sklearn_scaling.__version__
release = sklearn_scaling.__version__

# -- General -------------------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    # MathJax 3 shipped in a PyPI package (the ``docs`` extra) and copied into the
    # build's _static/mathjax/, with ``mathjax_path`` pointed at it: equations render
    # offline, with no script from a CDN.
    "sphinx-mathjax-offline",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "law_library",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
root_doc = "index"
# ``code`` in reStructuredText renders as inline code without a role.
default_role = "literal"

# -- autodoc / autosummary / numpydoc ------------------------------------------------

autosummary_generate = True
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"
# numpydoc lists class members itself unless told not to; the class template does it
# with autodoc, and both together would document every method twice.
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- sphinx-gallery ------------------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Run every example, not just those whose name starts with plot_.
    "filename_pattern": r".*\.py$",
    "within_subsection_order": "FileNameSortKey",
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    # Each example starts from fresh matplotlib and sklearn_scaling state.
    "reset_modules": ("matplotlib", "seaborn"),
    "reset_modules_order": "both",
    "doc_module": ("sklearn_scaling",),
    "backreferences_dir": "gen_modules/backreferences",
    "reference_url": {"sklearn_scaling": None},
    "remove_config_comments": True,
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
    "show_memory": False,
    # The execution-times pages load DataTables and jQuery from a CDN; without them the
    # built site loads no script from the network.
    "write_computation_times": False,
    "plot_gallery": "True",
    "download_all_examples": False,
}

# -- HTML ----------------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"sklearn_scaling {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 5,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
}
html_show_sourcelink = False
html_context = {"default_mode": "light"}
html_sidebars = {"index": [], "**": ["sidebar-nav-bs"]}


# -- Completeness of the API reference -------------------------------------------------

# Every name a public module exports must appear in api.rst; a new public name without
# a page is a warning, and so (with -W) fails the build.
_PUBLIC_MODULES = (
    "sklearn_scaling",
    "sklearn_scaling.laws",
    "sklearn_scaling.datasets",
    "sklearn_scaling.model_selection",
    "sklearn_scaling.uncertainty",
    "sklearn_scaling.plotting",
    "sklearn_scaling.cli",
)
_NOT_DOCUMENTED = {"__version__"}


def _check_api_reference(app):
    import importlib
    import re

    from sphinx.util import logging

    logger = logging.getLogger("sklearn_scaling.docs")
    path = app.srcdir / "api.rst"
    text = path.read_text(encoding="utf-8")
    # An autosummary entry is an indented name on its own line, after a currentmodule.
    listed = set()
    module = None
    for line in text.splitlines():
        match = re.match(r"\.\. currentmodule:: (\S+)", line)
        if match:
            module = match.group(1)
        elif module and re.fullmatch(r"   [A-Za-z_][A-Za-z0-9_]*", line):
            listed.add(f"{module}.{line.strip()}")
    # The laws' own functions are documented from the registry (``.. law-functions::``).
    from law_library import documented_names

    listed |= documented_names()
    for name in _PUBLIC_MODULES:
        exported = getattr(importlib.import_module(name), "__all__", ())
        for public in sorted(set(exported) - _NOT_DOCUMENTED):
            if f"{name}.{public}" not in listed:
                logger.warning(
                    f"{name}.{public} is public (in {name}.__all__) but api.rst does not list it",
                    location=str(path),
                )


def setup(app):
    app.connect("builder-inited", _check_api_reference)
