"""Light Gradio sessions behave as Gradio's own, and keep only what they changed."""

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
        gr.Dropdown(choices=["a", "b"], value="a", elem_id="pick")
        gr.Button("Go").click(lambda n, c: f"{n}{c}", [name, count], out)
    return demo


def _eager(demo: gr.Blocks) -> state_holder.SessionState:
    session = state_holder.SessionState.__new__(state_holder.SessionState)
    serving._ORIGINAL_INIT(session, demo)
    return session


def _key(demo: gr.Blocks, kind: type) -> int:
    return next(k for k, b in demo.blocks.items() if isinstance(b, kind))


def test_a_light_session_sees_the_same_blocks_and_functions_as_gradio() -> None:
    demo = _blocks()
    assert serving.install_lazy_sessions()
    light, eager = state_holder.SessionState(demo), _eager(demo)
    assert isinstance(light.blocks_config.blocks, serving.SessionBlocks)
    assert dict(light.blocks_config.blocks.items()) == eager.blocks_config.blocks
    assert dict(light.blocks_config.fns.items()) == eager.blocks_config.fns
    assert not dict.__len__(light.blocks_config.blocks)  # nothing of its own yet
    key = _key(demo, gr.Textbox)
    assert key in light and light[key] is demo.blocks[key]
    # Gradio's writes into the configs are accepted and kept nowhere.
    light._update_value_in_config(key, "grace")
    light._update_config(key)
    assert list(light.components) == []


def test_an_updated_component_is_kept_as_its_changes_and_rebuilt_alike() -> None:
    demo = _blocks()
    serving.install_lazy_sessions()
    first, second = state_holder.SessionState(demo), state_holder.SessionState(demo)
    key = _key(demo, gr.Dropdown)
    shared = demo.blocks[key]
    args = {**shared.constructor_args, "choices": ["x", "y", "z"], "render": False}
    args.pop("value")
    first[key] = gr.Dropdown(**args)  # what Gradio does with a gr.update(choices=...)
    stored = dict.__getitem__(first.blocks_config.blocks, key)
    assert isinstance(stored, serving._Changed)
    assert set(stored.changed) == {"choices"} and stored.removed == {"value"}
    stored.built = None  # as after the rebuilt cache let it go
    rebuilt = first[key]
    assert isinstance(rebuilt, gr.Dropdown) and rebuilt.choices == [(c, c) for c in "xyz"]
    assert rebuilt.constructor_args == {k: v for k, v in args.items() if k != "render"} | {
        "render": False
    }
    assert second[key] is shared  # other sessions see the app's own
    first[key] = shared  # back to the shared one: nothing kept
    assert not dict.__len__(first.blocks_config.blocks)


def test_deleting_and_iterating_an_overlay() -> None:
    shared = {1: "a", 2: "b"}
    overlay = serving.SessionOverlay(shared)
    overlay[3] = "c"
    del overlay[1]
    assert dict(overlay.items()) == {2: "b", 3: "c"} and len(overlay) == 2
    assert 1 not in overlay and overlay.get(1) is None and shared == {1: "a", 2: "b"}
    overlay[1] = "a"  # the shared object again
    assert overlay[1] == "a" and sorted(overlay) == [1, 2, 3]


def test_configure_queue_amortises_analytics_unless_the_operator_chose(monkeypatch) -> None:
    monkeypatch.delenv("GRADIO_ANALYTICS_CACHE_FREQUENCY", raising=False)
    serving.configure_queue(_blocks())
    assert serving.ANALYTICS_EVERY > 1
    assert int(serving.os.environ["GRADIO_ANALYTICS_CACHE_FREQUENCY"]) == serving.ANALYTICS_EVERY
    monkeypatch.setenv("GRADIO_ANALYTICS_CACHE_FREQUENCY", "7")
    serving.configure_queue(_blocks())
    assert serving.os.environ["GRADIO_ANALYTICS_CACHE_FREQUENCY"] == "7"
