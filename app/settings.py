"""All tunable limits in one place (env prefix ``CONVSTEP_``).

Every limit here is enforced *before* work starts and quoted in the error a caller sees.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "convstep"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONVSTEP_")

    data_dir: Path = Field(default_factory=_default_data_dir, description="upload store folder")
    max_upload_bytes: int = Field(20 * 1024 * 1024, description="largest upload body, bytes")
    max_image_pixels: int = Field(
        16_777_216, description="largest image an upload may declare, width×height (4096×4096; stored images are 512 px anyway)"
    )
    working_size: int = Field(512, description="longest side of a stored working image, px")
    store_cap_bytes: int = Field(512 * 1024 * 1024, description="upload store size before LRU eviction")
    memory_cache_items: int = Field(32, description="decoded arrays each worker keeps in RAM")
    max_array_cells: int = Field(4_194_304, description="largest array (cells) the API accepts")
    max_kernel_size: int = Field(31, description="largest kernel side")
    max_kernels: int = Field(64, description="most filters in one request")
    max_matrix_cells: int = Field(1_048_576, description="largest dense weight matrix (rows×cols)")
    max_work: int = Field(2_000_000_000, description="most multiply-adds one API request may ask for (~1 s)")
    page_cache_bytes: int = Field(
        16 * 1024 * 1024, description="rendered pages and step fragments each worker keeps, bytes (0: none)"
    )
    max_grid_size: int = Field(16, description="largest numbers grid side on pages (larger inputs show as images)")
    max_page_kernel_size: int = Field(7, description="largest kernel side on pages (its products table must fit)")
    max_page_stride: int = Field(8, description="largest stride on pages")
    max_page_dilation: int = Field(4, description="largest dilation on pages")
    max_page_padding: int = Field(10, description="largest padding on pages")
    max_client_steps: int = Field(
        4096, description="a stepping page with at most this many steps embeds them all and steps with no request"
    )
    max_text_tokens: int = Field(40, description="most tokens in the text-CNN sentence")

    # the lecture pages' examples: each must fit its page (every cell, slice and table is drawn)
    max_conv1d_input: int = Field(32, description="most values in the /conv1d input (one row of the page)")
    max_conv1d_kernel: int = Field(9, description="most values in the /conv1d kernel")
    max_flip_input: int = Field(24, description="most values in the /flip input (and the largest position compared)")
    max_flip_kernel: int = Field(7, description="most values in the /flip kernel")
    max_pool_size: int = Field(8, description="largest pool window side on /pool")
    max_pool_padding: int = Field(4, description="largest padding on /pool (also at most half the window)")
    max_volume_size: int = Field(9, description="largest /volume input side H = W (every channel's slice is drawn)")
    max_volume_channels: int = Field(8, description="most input channels C on /volume")
    max_volume_filters: int = Field(4, description="most filters N on /volume (every filter is drawn)")
    max_volume_kernel: int = Field(5, description="largest filter side F on /volume")
    max_volume_stride: int = Field(4, description="largest stride on /volume")
    max_volume_padding: int = Field(3, description="largest padding on /volume")
    max_transpose_size: int = Field(6, description="largest /transpose forward input side, H and W (W and Wᵀ are drawn whole)")
    max_transpose_kernel: int = Field(4, description="largest kernel side on /transpose")
    max_transpose_stride: int = Field(3, description="largest stride on /transpose")
    max_transpose_padding: int = Field(3, description="largest padding on /transpose")
    export_max_frames: int = Field(64, description="most steps in one GIF or APNG export (/conv2d.gif?from=…&to=…)")
    export_max_pixels: int = Field(1_500_000, description="largest exported frame or slide, width × height pixels")
    export_concurrency: int = Field(2, description="GIF/APNG exports drawn at once per worker (more: 503 + Retry-After)")
    max_transpose_dilation: int = Field(3, description="largest dilation on /transpose")
    max_transpose_channels: int = Field(3, description="most input channels C and most kernels N on /transpose")
    # /shapes only does arithmetic: its bounds keep numbers readable, not pages small
    max_shapes_size: int = Field(100_000, description="largest input or output size on /shapes")
    max_shapes_window: int = Field(10_000, description="largest kernel, stride, padding or pool window on /shapes")
    max_shapes_dilation: int = Field(100, description="largest dilation on /shapes")
    max_shapes_channels: int = Field(100_000, description="most channels or filters on /shapes")
    htmx_source: str = Field("auto", description="auto | local | cdn | none")
    frame_ancestors: str = Field("", description="space-separated origins allowed to embed pages")
    workers: int = Field(1, description="uvicorn worker processes (Docker CMD)")
    keep_alive_seconds: int = Field(
        65, description="idle keep-alive per connection; longer than load balancers' 60 s so a busy server never"
        " closes a connection a client is about to reuse"
    )

    # hardening (issue 10): memory, time and concurrency bounds of the upload path, response headers
    max_decode_bytes: int = Field(
        160 * 1024 * 1024, description="memory one image's decode may need (from its header: pixels × bytes per pixel × copies)"
    )
    decode_memory_bytes: int = Field(
        192 * 1024 * 1024, description="memory all decodes of one worker may hold at once; later uploads wait their turn"
    )
    decode_queue: int = Field(8, description="uploads of one worker that may wait for decode memory; more get 503")
    max_uploads: int = Field(32, description="uploads one worker receives at once (decoder threads); more get 503")
    uploads_per_client: int = Field(
        16, description="uploads one client address may send at once; more get 429 (a classroom behind one NAT is one address)"
    )
    upload_deadline_seconds: float = Field(60.0, description="time to receive an upload's whole body, else 408")
    min_free_bytes: int = Field(
        64 * 1024 * 1024, description="free disk space under the store below which /readyz says not ready"
    )
    # model files (issue 13): checked before a file is parsed, or as its header/graph is read, before any array is built
    model_max_bytes: int = Field(8 * 1024 * 1024, description="largest model or weight file, bytes")
    model_max_tensors: int = Field(256, description="most tensors (weights, biases, constants) in one model file")
    model_max_params: int = Field(2_000_000, description="most numbers in all of a model file's tensors together")
    model_max_tensor: int = Field(1_048_576, description="most numbers in one tensor of a model file")
    model_max_layers: int = Field(64, description="most layers (graph nodes) in one model")
    network_max_image_side: int = Field(
        32, description="largest input side (H, W) of an uploaded model that /network feeds an image (every map is drawn)"
    )
    hsts_seconds: int = Field(0, description="Strict-Transport-Security max-age; 0 sends none (plain-HTTP classrooms)")
    # the classroom (issue 14): classes, their event streams, and Redis as the shared engine of several workers or hosts
    redis_url: str = Field(
        "", description="Redis for classes and uploads across workers and hosts (redis://host:6379/0); empty: one worker,"
        " in-process class bus, local disk only"
    )
    public_url: str = Field("", description="the address students open (https://convstep.example.org) for join links and"
                            " QR codes; empty: the address the teacher's request came to")
    class_ttl_s: int = Field(4 * 3600, description="a class ends this many seconds after it was started")
    classes_per_address_hour: int = Field(20, description="classes one client address may start per hour; more get 429")
    class_posts_per_second: int = Field(20, description="state changes a class's teacher may publish per second; more get 429")
    class_max_followers: int = Field(500, description="students following one class at once; more get 503")
    max_event_streams: int = Field(1024, description="open class event streams one worker holds; more get 503")
    class_ping_s: float = Field(15.0, description="seconds between heartbeats on a class event stream (keeps proxies open)")
    redis_upload_ttl_s: int = Field(7 * 24 * 3600, description="how long Redis keeps an upload after its last use, seconds")


@lru_cache
def get_settings() -> Settings:
    return Settings()
