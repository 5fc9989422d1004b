//! Commands and their rules (being written).
