"""Checks that many tests share: one copy of each."""

from collections import defaultdict

from community.counters import recount
from community.models import Category, Post, Thread


def tree_problems() -> list[str]:
    """Everything wrong with the stored trees, walked from the rows.

    Every thread with posts owns exactly one tree, which no other thread shares;
    its root is the opening post; the nested sets have no gaps or overlaps;
    children sit inside their parents one level down; `branch` names the
    top-level reply above each deeper post. A merged thread has no posts.
    """
    problems = []
    rows = Post.objects.values_list("pk", "thread_id", "parent_id", "branch_id", "tree_id", "lft", "rght", "level")
    by_thread, owners = defaultdict(list), defaultdict(set)
    for row in rows:
        by_thread[row[1]].append(row)
        owners[row[4]].add(row[1])
    for tree_id, threads in owners.items():
        if len(threads) > 1:
            problems.append(f"tree {tree_id} is shared by threads {sorted(threads)}")
    for pk, opening_id, merged_into in Thread.objects.values_list("pk", "opening_post_id", "merged_into_id"):
        posts_ = by_thread.get(pk, [])
        if merged_into:
            if posts_ or opening_id:
                problems.append(f"merged thread {pk} still has posts")
            continue
        problems += _nested_set_problems(pk, opening_id, posts_)
    return problems


def _nested_set_problems(thread_id, opening_id, rows) -> list[str]:
    problems = []
    if not rows:
        return [f"thread {thread_id} has no posts"]
    if len({r[4] for r in rows}) != 1:
        return [f"thread {thread_id} spans trees {sorted({r[4] for r in rows})}"]
    by_pk = {r[0]: r for r in rows}
    roots = [r for r in rows if r[2] is None]
    if [r[0] for r in roots] != [opening_id]:
        problems.append(f"thread {thread_id}: roots {[r[0] for r in roots]}, opening post {opening_id}")
    bounds = sorted([r[5] for r in rows] + [r[6] for r in rows])
    if bounds != list(range(1, 2 * len(rows) + 1)):
        problems.append(f"thread {thread_id}: lft/rght have gaps or overlaps: {bounds}")
    for pk, _, parent_id, branch_id, _, lft, rght, level in rows:
        if lft >= rght:
            problems.append(f"post {pk}: lft {lft} >= rght {rght}")
        descendants = sum(1 for other in rows if lft < other[5] < rght)
        if rght - lft != 2 * descendants + 1:
            problems.append(f"post {pk}: width {rght - lft} for {descendants} descendants")
        if parent_id is None:
            if (lft, level, branch_id) != (1, 0, None):
                problems.append(f"root {pk}: lft {lft}, level {level}, branch {branch_id}")
            continue
        parent = by_pk.get(parent_id)
        if parent is None:
            problems.append(f"post {pk}: parent {parent_id} is in another thread")
            continue
        if not (parent[5] < lft and rght < parent[6]):
            problems.append(f"post {pk} lies outside its parent {parent_id}")
        if level != parent[7] + 1:
            problems.append(f"post {pk}: level {level} under a level {parent[7]} parent")
        expected_branch = None if level == 1 else (parent_id if level == 2 else parent[3])
        if branch_id != expected_branch:
            problems.append(f"post {pk}: branch {branch_id}, expected {expected_branch}")
    return problems


def counters():
    """Every denormalised counter that `recount()` rebuilds."""
    return (
        sorted(Post.objects.values_list("pk", "helpful_count")),
        sorted(Thread.objects.values_list("pk", "reply_count", "vote_count", "me_too_count", "has_team_verified")),
        sorted(Category.objects.values_list("pk", "thread_count", "post_count", "last_activity_at")),
    )


def assert_consistent():
    """Trees are valid and `recount()` finds nothing to correct."""
    problems = tree_problems()
    assert problems == [], problems
    live = counters()
    recount()
    rebuilt = counters()
    wrong = [
        (live_row, rebuilt_row)
        for live_rows, rebuilt_rows in zip(live, rebuilt, strict=True)
        for live_row, rebuilt_row in zip(live_rows, rebuilt_rows, strict=True)
        if live_row != rebuilt_row
    ]
    assert wrong == [], f"live counters (left) that recount() corrects (right): {wrong}"
