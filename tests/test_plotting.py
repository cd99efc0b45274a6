"""The book's figure layout rules applied when a figure is shown."""

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lecture_code.core.plotting import figure_html, label_decades_only


def test_log_axes_over_a_decade_label_powers_of_ten_only():
    fig = make_subplots(rows=1, cols=3)
    fig.add_trace(go.Scatter(x=[0, 1, 2], y=[2.0, 3.0, 5.0]), row=1, col=1)       # within one decade
    fig.add_trace(go.Scatter(x=[0, 1, 2], y=[1e-3, 1.0, 1e2]), row=1, col=2)      # five decades, autorange
    fig.add_trace(go.Scatter(x=[0, 1, 2], y=[1.0, 2.0, 3.0]), row=1, col=3)
    fig.update_yaxes(type="log")
    fig.update_yaxes(range=[-4, 3], row=1, col=3)                                  # range set: seven decades
    label_decades_only(fig)
    assert fig.layout.yaxis.dtick is None                     # a label per decade would leave none
    assert fig.layout.yaxis2.dtick == 1 and fig.layout.yaxis3.dtick == 1
    many = go.Figure(go.Scatter(x=[0, 1], y=[1e-47, 1e3]))
    many.update_yaxes(type="log")
    assert label_decades_only(many).layout.yaxis.dtick == 7   # 50 decades: a label every 7th, 8 labels
    assert fig.layout.xaxis.dtick is None                     # linear axes untouched


def test_the_site_fragment_applies_it_without_changing_the_callers_figure():
    fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[1e-6, 1e-3, 1.0]))
    fig.update_yaxes(type="log")
    html = figure_html(fig)
    assert '"dtick":1' in html.replace(" ", "") and fig.layout.yaxis.dtick is None


def test_it_reads_base64_encoded_data_as_plotly_sends_it_to_a_renderer():
    import numpy as np

    fig = go.Figure(go.Scatter(x=np.arange(3.0), y=np.array([1e-6, 1e-3, 1.0])))
    fig.update_yaxes(type="log")
    encoded = go.Figure(fig.to_plotly_json())        # arrays become {"dtype", "bdata"}
    assert label_decades_only(encoded).layout.yaxis.dtick == 1
