"""The Dockerfile's runtime stage (its last FROM) as a container runtime sees it: user, entrypoint, working directory,
exposed ports and environment.

  python3 build/dockerfile-runtime.py Dockerfile            the stage as JSON (tests/image/run.sh compares it with make image's config)
  python3 build/dockerfile-runtime.py Dockerfile DOTNET_GC  the ENV words that start with a prefix, on one line
                                                            (loadtests/run.sh starts every gateway with the image's GC settings)
"""
import json
import shlex
import sys


def runtime_stage(path):
    text = open(path, encoding="utf-8").read().replace("\\\n", " ")
    stage = text[text.rindex("\nFROM "):]
    found = {"User": None, "Entrypoint": None, "WorkingDir": None, "ExposedPorts": [], "Env": []}
    for line in stage.splitlines():
        word, _, rest = line.strip().partition(" ")
        if word == "USER":
            found["User"] = rest.strip()
        elif word == "ENTRYPOINT":
            found["Entrypoint"] = json.loads(rest)
        elif word == "WORKDIR":
            found["WorkingDir"] = rest.strip()
        elif word == "EXPOSE":
            found["ExposedPorts"] += [f"{p}/tcp" for p in rest.split()]
        elif word == "ENV":
            found["Env"] += [f"{k}={v}" for k, _, v in (a.partition("=") for a in shlex.split(rest))]
    return found


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    stage = runtime_stage(argv[1])
    if len(argv) == 3:
        print(" ".join(e for e in stage["Env"] if e.startswith(argv[2])))
    else:
        json.dump(stage, sys.stdout)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
