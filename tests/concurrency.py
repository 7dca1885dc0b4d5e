"""Running writes at the same moment, each in its own thread and so its own database
connection (PostgreSQL: the row locks the services take are what is tested)."""

import threading

from django.db import connections


def at_once(*calls, wait=None) -> list:
    """Run the calls together (released by one barrier) and return, in their order, what each
    returned or the exception it raised. `wait`, an event, holds the calls after the first
    until the first sets it (a write that must be under way before the others start)."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            if wait is not None and index > 0 and not wait.wait(timeout=10):
                raise TimeoutError("the first call never said it was under way")
            outcomes[index] = call()
        except Exception as error:  # noqa: BLE001 - handed to the test
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    stuck = [index for index, thread in enumerate(threads) if thread.is_alive()]
    assert not stuck, f"calls {stuck} still running after 30 s (a lock never released?)"
    return outcomes


def failures(outcomes) -> list:
    return [outcome for outcome in outcomes if isinstance(outcome, Exception)]
