"""Product Store load test: the original system's shopping mix, against the gateway (or all-in-one mode).

    locust -f loadtest/locustfile.py --host http://localhost:8088                 # web UI on :8089
    locust -f loadtest/locustfile.py --host http://localhost:8088 --headless -u 50 -r 10 -t 60s --csv target/locust

Shoppers register and log in when they start, then browse (weight 10), fill their cart (5) and check out (1) with
an Idempotency-Key, polling the order until DELIVERED or ORDER_POLL_SECONDS. Every request carries a W3C
`traceparent`, so load shows up in traces. An admin (ADMIN_USERNAME / ADMIN_PASSWORD; the dev profile's demo admin by
default) edits products at a low rate and keeps them in stock.

A refusal the shop is right to give (out of stock, an order that already moved on) is counted as a success: the test
fails on errors, not on business answers.
"""
import os
import random
import secrets
import time
import uuid

from locust import HttpUser, between, task

ORDER_POLL_SECONDS = float(os.environ.get("ORDER_POLL_SECONDS", "20"))
ADMIN_USERNAME = os.environ.get("ADMIN_USERNAME", "swagger_admin")
ADMIN_PASSWORD = os.environ.get("ADMIN_PASSWORD", "admin123")


def traceparent():
    """A new W3C trace context: version 00, a random trace id and parent span id, sampled."""
    return "00-%s-%s-01" % (secrets.token_hex(16), secrets.token_hex(8))


class StoreUser(HttpUser):
    abstract = True
    token = None

    def call(self, method, path, name=None, expected=(200,), **kwargs):
        """One request with the user's token and a fresh traceparent; statuses in `expected` are successes."""
        headers = kwargs.pop("headers", {})
        headers["traceparent"] = traceparent()
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        with self.client.request(method, path, name=name or path, headers=headers, catch_response=True,
                                 **kwargs) as response:
            if response.status_code in expected:
                response.success()
            else:
                response.failure("%s %s → %s %s" % (method, name or path, response.status_code, response.text[:200]))
            return response

    def login(self, username, password):
        response = self.call("POST", "/user-api/token", data={"username": username, "password": password})
        self.token = response.json()["access_token"] if response.status_code == 200 else None

    def categories(self):
        response = self.call("GET", "/api/products/categories/list")
        return [c["name"] for c in response.json()] if response.status_code == 200 else []

    def page(self, category):
        response = self.call("GET", "/api/products/", name="/api/products/?category=[category]",
                             params={"category": category, "limit": 20, "sort_by": random.choice(["name", "price"])})
        return response.json().get("items", []) if response.status_code == 200 else []


class ShoppingUser(StoreUser):
    weight = 20
    wait_time = between(2, 6)

    def on_start(self):
        self.username = "locust_%s" % uuid.uuid4().hex[:12]
        password = secrets.token_urlsafe(12)
        self.call("POST", "/user-api/users/register", json={
            "username": self.username, "full_name": "Load Test", "phone": "+10000000000", "password": password})
        self.login(self.username, password)
        self.known = []

    def pick(self):
        if not self.known:
            names = self.categories()
            if names:
                self.known = self.page(random.choice(names))
        return random.choice(self.known)["product_id"] if self.known else None

    @task(10)
    def browse(self):
        names = self.categories()
        if not names:
            return
        items = self.page(random.choice(names))
        if items:
            self.known = items
            product = random.choice(items)["product_id"]
            self.call("GET", "/api/products/%s" % product, name="/api/products/[id]")
            self.call("POST", "/cart-api/products/%s/view" % product, name="/cart-api/products/[id]/view")

    @task(5)
    def cart(self):
        product = self.pick()
        if product:
            # 400 "Not enough items in stock" is the shop's correct answer, not an error
            self.call("POST", "/cart-api/cart/items", json={"product_id": product, "quantity": 1},
                      expected=(200, 400))
        self.call("GET", "/cart-api/cart/")

    @task(1)
    def order(self):
        product = self.pick()
        if not product:
            return
        self.call("POST", "/cart-api/cart/items", json={"product_id": product, "quantity": 1}, expected=(200, 400))
        # checkout through the user service (user → cart → catalog → order), retry-safe by its key;
        # 400: the cart was empty (out of stock above); 409: stock ran out meanwhile
        response = self.call("POST", "/user-api/users/me/orders", headers={"Idempotency-Key": uuid.uuid4().hex},
                             expected=(200, 400, 409))
        if response.status_code != 200:
            return
        order_id = response.json()["id"]
        deadline = time.monotonic() + ORDER_POLL_SECONDS
        while time.monotonic() < deadline:
            status = self.call("GET", "/order-api/orders/%s" % order_id, name="/order-api/orders/[id]")
            if status.status_code != 200 or status.json().get("status") in ("DELIVERED", "CANCELLED"):
                break
            time.sleep(2)


class AdminUser(StoreUser):
    """Edits products now and then: a new price, and enough stock for the shoppers."""
    weight = 1
    wait_time = between(10, 20)

    def on_start(self):
        self.login(ADMIN_USERNAME, ADMIN_PASSWORD)

    @task
    def edit_product(self):
        if not self.token:
            return
        names = self.categories()
        items = self.page(random.choice(names)) if names else []
        if items:
            product = random.choice(items)
            self.call("PUT", "/api/products/%s" % product["product_id"], name="/api/products/[id] (admin)",
                      json={"price": round(random.uniform(1, 200), 2), "stock_count": 10000})
