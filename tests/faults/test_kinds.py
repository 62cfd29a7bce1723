"""Only faults of the infrastructure become 503s: a bug in SQL or a broken constraint is
still a 500 with its traceback for the operator."""

import errno
import sqlite3

import pytest
from sqlalchemy import create_engine, exc, text

from cop import faults


def _error_of(sql: str, *statements: str) -> exc.DBAPIError:
    engine = create_engine("sqlite://")
    with engine.connect() as connection:
        for statement in statements:
            connection.execute(text(statement))
        with pytest.raises(exc.DBAPIError) as raised:
            connection.execute(text(sql))
    return raised.value


def test_bad_sql_and_constraints_are_not_faults():
    assert faults.kind_of(_error_of("SELECT * FROM nowhere")) is None
    unique = _error_of(
        "INSERT INTO t VALUES (1)", "CREATE TABLE t (x UNIQUE)", "INSERT INTO t VALUES (1)"
    )
    assert isinstance(unique, exc.IntegrityError)
    assert faults.kind_of(unique) is None
    assert faults.kind_of(OSError(errno.ENOENT, "No such file")) is None


def test_a_read_only_database_and_a_full_disk_are_storage_faults(tmp_path):
    database = tmp_path / "ro.sqlite"
    sqlite3.connect(database).execute("CREATE TABLE t (x)").connection.commit()
    engine = create_engine(f"sqlite:///file:{database}?mode=ro&uri=true")
    with engine.connect() as connection, pytest.raises(exc.OperationalError) as raised:
        connection.execute(text("INSERT INTO t VALUES (1)"))
    assert faults.kind_of(raised.value) == faults.Fault.STORAGE
    full = OSError(errno.ENOSPC, "No space left on device")
    try:
        raise RuntimeError("while storing") from full
    except RuntimeError as wrapped:
        assert faults.kind_of(wrapped) == faults.Fault.STORAGE
