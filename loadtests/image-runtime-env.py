"""Prints the runtime settings the image ships: the DOTNET_GC* words of the Dockerfile's runtime stage ENV.

loadtests/run.sh starts every gateway with them, so that the load test measures the gateway as the image runs it.
"""
import shlex
import sys

text = open(sys.argv[1], encoding="utf-8").read().replace("\\\n", " ")
stage = text[text.rindex("\nFROM "):]
words = [w for line in stage.splitlines() if line.strip().startswith("ENV ") for w in shlex.split(line.strip()[4:])]
print(" ".join(w for w in words if w.startswith("DOTNET_GC")))
