"""thidua — tổng hợp thi đua, khen thưởng của Ủy ban MTTQ Việt Nam cấp tỉnh."""

__version__ = "0.1.0"
