"""Where a signed-in member's page spends its Python calls, by section: each call is counted
for the innermost section open when it is made (a view's query, the template, the sign-in,
url_for, gettext...). Calls are a measure of work that the load of a shared machine
leaves alone.

    COP_INSTANCE_PATH=/tmp/h2-bench $VENV/bin/python bench/forum/call_sections.py \
        --vars /tmp/h2-bench/populate.json [--path /spaces/1] [--n 10]
"""

import argparse
import collections
import sys

from profile_pages import bench_app, member_client

# Functions that open a section (by name; a template's blocks are its `root` and
# `block_<name>` functions).
SECTIONS = {
    "wsgi_app",
    "preprocess_request",
    "process_response",
    "open_session",
    "save_session",
    "resume",
    "facts",
    "get_space",
    "list_discussions",
    "_forum",
    "_space_page_context",
    "sessions_in",
    "forum_rows",
    "_render",
    "root",
    "block_content",
    "url_for",
    "gettext",
    "ngettext",
    "when",
    "generate_csrf",
    "can",
    "current_locale",
    "kept",
    "kept_for_everyone",
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vars", default="/tmp/cop-forum-bench/populate.json")
    ap.add_argument("--path", default=None, help="default: the hot forum")
    ap.add_argument("--n", type=int, default=10)
    args = ap.parse_args()
    v, app = bench_app(args.vars)

    client = member_client(app)
    path = args.path or f"/spaces/{v['hot_forum_id']}"
    for _ in range(5):
        assert client.get(path).status_code == 200
    counts, stack = collections.Counter(), []

    def tracer(frame, event, _arg):
        if event in ("call", "c_call"):
            label = None
            if event == "call" and frame.f_code.co_name in SECTIONS:
                where = "/".join(frame.f_code.co_filename.split("/")[-2:])
                label = f"{frame.f_code.co_name} ({where})"
            stack.append(label)
            counts[next((s for s in reversed(stack) if s), "(outside)")] += 1
        elif event in ("return", "c_return", "c_exception") and stack:
            stack.pop()

    sys.setprofile(tracer)
    for _ in range(args.n):
        client.get(path)
    sys.setprofile(None)
    total = sum(counts.values())
    print(f"{path}: {total / args.n:.0f} calls per request")
    for label, n in counts.most_common(25):
        print(f"{n / args.n:8.0f} {n / total * 100:5.1f} %  {label}")


if __name__ == "__main__":
    main()
