"""Development support shared by the tests, the benchmarks and the tools.

Fake services that speak the real wire protocols (:mod:`.fakeindex` a PEP 503/691/658 package
index, :mod:`.fakecopr` Copr's API v3, :mod:`.fakekoji` Koji's XML-RPC hub, :mod:`.httpserver`
a static server with injectable faults) and fixture builders (:mod:`.rpmfixtures` real tiny
RPMs, :mod:`.specgen_sources` tiny sdists and wheels, :mod:`.buildplans` locked targets for
build plans, :mod:`.demo` the demo streams of the main job).  Nothing here ships.
"""
