"""Run a module's main() in-process and catch what it returns."""
from __future__ import annotations

import json
import os

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes


class ExitJson(Exception):
    pass


class FailJson(Exception):
    pass


def run_module(monkeypatch, module, args):
    """Run module.main() with args; raises ExitJson or FailJson carrying the result dict."""
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
        module.main()
    else:
        with patch_module_args(args):
            module.main()


def module_result(monkeypatch, module, args, outcome=ExitJson):
    """The result dict module.main() ends with for args; outcome says whether it exits or fails."""
    with pytest.raises(outcome) as caught:
        run_module(monkeypatch, module, args)
    return caught.value.args[0]


class FakePaths(object):
    """Debian's layout for one cluster, under a temporary directory."""

    def __init__(self, root):
        self.version, self.cluster = '15', 'main'
        self.bin_dir = '/usr/lib/postgresql/15/bin'
        self.config_dir = os.path.join(str(root), 'etc')
        self.data_dir = os.path.join(str(root), 'data')
        self.service = 'postgresql@15-main'
        self.fence_file = os.path.join(str(root), 'main.fenced')
        os.makedirs(os.path.join(self.config_dir, 'conf.d'))
        os.makedirs(self.data_dir)
        open(os.path.join(self.config_dir, 'postgresql.conf'), 'w').close()
        open(os.path.join(self.data_dir, 'PG_VERSION'), 'w').close()

    cluster_exists = property(lambda self: os.path.exists(os.path.join(self.config_dir, 'postgresql.conf')))
    data_exists = property(lambda self: os.path.exists(os.path.join(self.data_dir, 'PG_VERSION')))
    standby_signal = property(lambda self: os.path.exists(os.path.join(self.data_dir, 'standby.signal')))
    fenced = property(lambda self: os.path.exists(self.fence_file))


class FakeConnection(object):
    """Answers queries from a dict of SQL fragment -> row; records what ran."""

    def __init__(self, answers=None):
        self.answers = answers or {}
        self.executed = []

    def one(self, sql, params=None):
        self.executed.append(sql)
        for fragment, row in self.answers.items():
            if fragment in sql:
                return row
        return None

    def rows(self, sql, params=None):
        self.executed.append(sql)
        for fragment, rows in self.answers.items():
            if fragment in sql:
                return rows
        return []

    def execute(self, sql, params=None):
        self.executed.append((sql, params) if params else sql)

    def close(self):
        pass
