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
            if wait is not None and index > 0:
                wait.wait(timeout=10)
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
    return outcomes


def failures(outcomes) -> list:
    return [outcome for outcome in outcomes if isinstance(outcome, Exception)]
