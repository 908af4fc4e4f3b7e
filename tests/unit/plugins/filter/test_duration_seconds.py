from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.hastack.platform.plugins.filter.duration_seconds import FilterModule

duration_seconds = FilterModule().filters()['duration_seconds']


@pytest.mark.parametrize('value, seconds', [
    ('26h', 93600),
    ('8d', 691200),
    ('1h30m', 5400),
    ('1w', 604800),
    ('1y', 31536000),
    ('1500ms', 1.5),
    ('90', 90),
    ('0.8', 0.8),
    (' 15m ', 900),
])
def test_durations_and_numbers_as_seconds(value, seconds):
    assert duration_seconds(value) == seconds


def test_whole_seconds_are_integers():
    assert isinstance(duration_seconds('2m'), int)
    assert isinstance(duration_seconds('120'), int)


def test_numbers_pass_unchanged():
    assert duration_seconds(16777216) == 16777216
    assert duration_seconds(0.05) == 0.05


@pytest.mark.parametrize('bad', ['', 'soon', '8 days', '1.5h', 'h', '-5', '5x', True, None])
def test_anything_else_is_an_error_naming_it(bad):
    with pytest.raises(AnsibleFilterError, match=repr(bad).replace('(', r'\(')):
        duration_seconds(bad)
