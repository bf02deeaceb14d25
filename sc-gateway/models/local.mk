# sc-gateway/models/: built-in SystemC models.
