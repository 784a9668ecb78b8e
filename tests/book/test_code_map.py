"""The map from Algorithm 1's lines to ganlib/core/trainer.py points at the right code."""
import inspect

import pytest

from ganlib.book import code_map as algorithm1
from ganlib.core import trainer as training


def test_every_line_of_algorithm_1_is_found_in_the_trainer():
    table = algorithm1.code_map()
    assert list(table.index) == [str(i) for i in range(1, 10)] + ["rule", "sim"]
    source = inspect.getsource(training).splitlines()
    for (number, _, _, snippet), (_, row) in zip([*algorithm1.ALGORITHM_1, *algorithm1.NOTES], table.iterrows()):
        line = int(row["ganlib"].split(":")[-1].rstrip(")"))
        assert snippet in source[line - 1]


def test_the_discriminator_update_is_the_one_inside_the_k_loop():
    k_loop = algorithm1.source_line("Trainer._alternating", "for _ in range(self.config.k):")
    d_update = algorithm1.source_line("Trainer._alternating", "d_loss, real, fake = self.discriminator_step()")
    assert d_update == k_loop + 1


def test_the_k_loop_comes_before_the_generator_update():
    a = algorithm1.source_line("Trainer._alternating", "for _ in range(self.config.k):")
    b = algorithm1.source_line("Trainer._alternating", "g_loss = self.generator_step()")
    assert a < b


def test_bad_names_raise():
    with pytest.raises(ValueError, match="qualname"):
        algorithm1.source_line("Trainer.nothing", "x")
    with pytest.raises(ValueError, match="snippet"):
        algorithm1.source_line("Trainer.step", "this is not there")
