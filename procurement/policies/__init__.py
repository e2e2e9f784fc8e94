"""The rules of joint requisitions, each stated once as a function.

Services call them before they act; views, the API and templates call the same functions
to decide what to offer. Each module holds the rules of one step: ``pledging`` (joining,
changing and withdrawing while a requisition is open), ``approval`` (who may approve a
share and whether anyone can cover it) and ``sign_off`` (thresholds and split purchases).
"""
