//! Tests of the lifecycle, deadlines and access rules (being written).
