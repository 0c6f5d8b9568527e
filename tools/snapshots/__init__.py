"""Making the embedded Fedora snapshots (``streams/data/fedora/``): ``tools/make_snapshot.py``.

* :mod:`.snapshot` -- Fedora's package tables to the packages of an rpm-md repository.
* :mod:`.repodata` -- rpm-md repositories written from package descriptions with createrepo_c
  (also used by tests and benchmarks to make base repositories without building RPMs).
* :mod:`.specfacts` -- Fedora's specs to their non-Python BuildRequires and License per
  distribution (``<snapshot>-specs.tsv``): ``tools/make_spec_facts.py``.
"""
