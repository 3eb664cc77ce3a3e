"""Tests of mnist_lr.session's check of spark.jars (no Spark needed)."""

import pytest

from mnist_lr.errors import ConfigError
from mnist_lr.session import require_local_jars


def test_existing_local_jars_and_remote_ones_pass(tmp_path, monkeypatch):
    (tmp_path / "a.jar").write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    require_local_jars("")
    require_local_jars(f"a.jar, file:{tmp_path / 'a.jar'},hdfs://nn/lib/b.jar,local:/opt/c.jar")
    (tmp_path / "my jars").mkdir()
    (tmp_path / "my jars" / "a.jar").write_bytes(b"")
    require_local_jars(f"file:{tmp_path}/my%20jars/a.jar")  # as spark-submit writes it


@pytest.mark.parametrize("jars", ["dist/none.jar", "file:/nowhere/x.jar", "a.jar,dist/none.jar"])
def test_a_missing_local_jar_is_refused_by_name(jars, tmp_path, monkeypatch):
    (tmp_path / "a.jar").write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=f"^{jars.split(',')[-1]}: spark.jars names a jar"):
        require_local_jars(jars)
