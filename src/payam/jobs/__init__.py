"""Background jobs on Dramatiq: in-process when embedded, Redis or RabbitMQ when scaled."""
