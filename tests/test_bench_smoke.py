"""The benchmark harness runs (tiny sizes) so it cannot rot. No timing is asserted here."""

import pytest

pytest.importorskip("cv2", reason="opencv-python-headless is a bench-only dependency (make bench)")


def test_engine_section_runs_and_checks_peers_agree():
    from bench import engine

    text = engine.run(quick=True)
    assert "speed-up vs scipy" in text and "| grey | 64² | 3×3 | 1 |" in text


def test_upload_section_runs():
    from bench import upload

    assert "vs draft floor" in upload.run(quick=True)


def test_layers_section_runs_and_checks_the_same_numbers():
    from bench import layers

    text = layers.run(quick=True)
    assert "grouped / per-group" in text and "| 64²×8 → 32²×16 |" in text


def test_networks_section_runs():
    from bench import networks

    text = networks.run(quick=True)
    assert "digits forward" in text and "ONNX read" in text


@pytest.mark.server
def test_class_section_runs_and_every_follower_ends_on_the_final_state():
    from bench import class_load

    text = class_load.run(quick=True)
    assert "| in-process | 1 | 20 | 20 |" in text and "| 20/20 | 0 |" in text
