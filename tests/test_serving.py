"""Lazy Gradio sessions give exactly what Gradio's eager ones give, only later."""

from __future__ import annotations

import gradio as gr
from gradio import state_holder

from safeguards.ui import serving


def _blocks() -> gr.Blocks:
    with gr.Blocks() as demo:
        name = gr.Textbox(label="Name", value="ada")
        count = gr.Number(value=3)
        with gr.Row():
            gr.Markdown("**hello**")
            out = gr.Textbox()
        gr.Button("Go").click(lambda n, c: f"{n}{c}", [name, count], out)
    return demo


def _eager(demo: gr.Blocks) -> state_holder.SessionState:
    session = state_holder.SessionState.__new__(state_holder.SessionState)
    serving._ORIGINAL_INIT(session, demo)
    return session


def test_lazy_session_holds_the_same_configs_as_gradio() -> None:
    demo = _blocks()
    assert serving.install_lazy_sessions()
    lazy = state_holder.SessionState(demo)
    eager = _eager(demo)
    assert isinstance(lazy.config_values, serving.LazyBlockConfigs)
    assert not dict.__len__(lazy.config_values)  # nothing built up front
    assert len(lazy.config_values) == len(eager.config_values)
    assert sorted(lazy.config_values) == sorted(eager.config_values)
    assert list(lazy.components) == list(eager.components)  # what a deep link saves


def test_lazy_session_updates_a_value_like_gradio() -> None:
    demo = _blocks()
    serving.install_lazy_sessions()
    lazy, eager = state_holder.SessionState(demo), _eager(demo)
    key = next(k for k, b in demo.blocks.items() if isinstance(b, gr.Textbox))
    for session in (lazy, eager):
        session._update_value_in_config(key, "grace")
    assert lazy.config_values[key] == eager.config_values[key]
    assert lazy.config_values[key]["props"]["value"] == "grace"
    assert key in lazy.config_values and -1 not in lazy.config_values


def test_sessions_share_no_config_they_update() -> None:
    demo = _blocks()
    serving.install_lazy_sessions()
    first, second = state_holder.SessionState(demo), state_holder.SessionState(demo)
    key = next(k for k, b in demo.blocks.items() if isinstance(b, gr.Textbox))
    first._update_value_in_config(key, "changed in the first session")
    assert second.config_values[key]["props"]["value"] == "ada"
    second._update_value_in_config(key, "and in the second")
    assert first.config_values[key]["props"]["value"] == "changed in the first session"
    assert state_holder.SessionState(demo).config_values[key]["props"]["value"] == "ada"


def test_configure_queue_amortises_analytics_unless_the_operator_chose(monkeypatch) -> None:
    monkeypatch.delenv("GRADIO_ANALYTICS_CACHE_FREQUENCY", raising=False)
    serving.configure_queue(_blocks())
    assert serving.ANALYTICS_EVERY > 1
    assert int(serving.os.environ["GRADIO_ANALYTICS_CACHE_FREQUENCY"]) == serving.ANALYTICS_EVERY
    monkeypatch.setenv("GRADIO_ANALYTICS_CACHE_FREQUENCY", "7")
    serving.configure_queue(_blocks())
    assert serving.os.environ["GRADIO_ANALYTICS_CACHE_FREQUENCY"] == "7"
