from __future__ import annotations

import json

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes
from ansible_collections.hastack.platform.plugins.module_utils.pg_node import PgNodeError
from ansible_collections.hastack.platform.plugins.modules import pg_node_info


class ExitJson(Exception):
    pass


class FailJson(Exception):
    pass


def run_module(monkeypatch, args):
    def exit_json(self, **kwargs):
        raise ExitJson(kwargs)

    def fail_json(self, **kwargs):
        raise FailJson(kwargs)

    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', fail_json)
    try:
        from ansible.module_utils.testing import patch_module_args
    except ImportError:  # ansible-core < 2.19
        monkeypatch.setattr(basic, '_ANSIBLE_ARGS', to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args})))
        pg_node_info.main()
    else:
        with patch_module_args(args):
            pg_node_info.main()


def test_reports_without_changing_anything_even_in_check_mode(monkeypatch):
    seen = {}

    def report(params):
        seen.update(params)
        return {'installed': True, 'data_exists': True, 'running': True, 'role': 'primary', 'timeline': 1}

    monkeypatch.setattr(pg_node_info, 'node_report', report)
    with pytest.raises(ExitJson) as result:
        run_module(monkeypatch, {'_ansible_check_mode': True, 'port': 5433})
    assert result.value.args[0]['changed'] is False
    assert result.value.args[0]['role'] == 'primary'
    assert seen['port'] == 5433 and seen['cluster'] == 'main'


def test_failure_is_reported_once_with_its_reason(monkeypatch):
    def report(params):
        raise PgNodeError('pg_controldata failed on /var/lib/postgresql/15/main: bad magic')

    monkeypatch.setattr(pg_node_info, 'node_report', report)
    with pytest.raises(FailJson) as result:
        run_module(monkeypatch, {})
    assert 'bad magic' in result.value.args[0]['msg']
