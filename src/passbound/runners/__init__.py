"""Where chunk tasks run: this process (``passbound.stages.sample``) or a Ray cluster (``ray_runner``)."""
