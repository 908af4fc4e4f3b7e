from __future__ import annotations

import pytest

from ansible_collections.hastack.platform.plugins.module_utils.pg_node import PgNodeError
from ansible_collections.hastack.platform.plugins.modules import pg_node_info
from ansible_collections.hastack.platform.tests.unit.plugins.modules.utils import ExitJson, FailJson, run_module


def test_reports_without_changing_anything_even_in_check_mode(monkeypatch):
    seen = {}

    def report(params):
        seen.update(params)
        return {'installed': True, 'data_exists': True, 'running': True, 'role': 'primary', 'timeline': 1}

    monkeypatch.setattr(pg_node_info, 'node_report', report)
    with pytest.raises(ExitJson) as result:
        run_module(monkeypatch, pg_node_info, {'_ansible_check_mode': True, 'port': 5433})
    assert result.value.args[0]['changed'] is False
    assert result.value.args[0]['role'] == 'primary'
    assert seen['port'] == 5433 and seen['cluster'] == 'main'


def test_failure_is_reported_once_with_its_reason(monkeypatch):
    def report(params):
        raise PgNodeError('pg_controldata failed on /var/lib/postgresql/15/main: bad magic')

    monkeypatch.setattr(pg_node_info, 'node_report', report)
    with pytest.raises(FailJson) as result:
        run_module(monkeypatch, pg_node_info, {})
    assert 'bad magic' in result.value.args[0]['msg']
