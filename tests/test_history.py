"""The loss histories' plots (grader/report/history.py, laid out by charts.line_chart): SVG text, scaled as the
values need, with a gap where a value is not finite, and a check's id or a title escaped."""
import math

from grader.report import charts, history


def test_falling_positive_losses_are_on_a_log_axis_with_round_ticks():
    chart = charts.line_chart([[0.7 * 0.97 ** i for i in range(100)]], "t", "iteration", "loss")
    assert chart.log and [label for _, label in chart.y_ticks] == ["0.05", "0.1", "0.2", "0.5"]
    assert [label for _, label in chart.x_ticks] == ["20", "40", "60", "80", "100"]
    assert chart.paths[0].startswith(f"M{charts.LEFT:.1f} ") and chart.paths[0].count("L") == 99
    assert "from 0.7 at iteration 1 to 0.0343 at iteration 100" in chart.description


def test_values_of_both_signs_are_on_a_linear_axis_and_a_value_that_is_not_finite_leaves_a_gap():
    chart = charts.line_chart([[1.0, -1.0, math.nan, 0.5, 2.0]], "t", "iteration", "loss")
    assert not chart.log and [label for _, label in chart.y_ticks] == ["-1", "0", "1", "2"]
    assert chart.paths[0].count("M") == 2 and chart.paths[0].count("L") == 2


def test_a_loss_within_a_few_percent_still_gets_two_ticks_or_more():
    chart = charts.line_chart([[0.693, 0.692, 0.6915]], "t", "iteration", "loss")
    assert chart.log and len(chart.y_ticks) >= 2


def test_the_plot_is_a_standalone_svg_whose_texts_are_escaped():
    check = {"id": 'm<script>"', "series": {"loss": [3.0, 2.0, 1.0]}}
    text = history.plot(check)
    assert text.startswith('<svg id="history-m&lt;script&gt;&quot;"') and "<script>" not in text
    assert 'xmlns="http://www.w3.org/2000/svg"' in text and text.rstrip().endswith("</svg>")
    assert history.file_name(check) == 'm<script>".svg'
