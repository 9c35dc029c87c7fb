package io.nexo.core.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** A complete admin API response: status, content type and body bytes. */
public record AdminResponse(int status, String contentType, byte[] body) {

    public static final String JSON = "application/json; charset=utf-8";
    public static final String TEXT = "text/plain; charset=utf-8";

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT);

    public AdminResponse {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status: " + status + " (expected: 100-599)");
        }
        body = body.clone();
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    /** {@code value} (records, maps, lists) as indented JSON. */
    public static AdminResponse json(int status, Object value) {
        try {
            return new AdminResponse(status, JSON, MAPPER.writeValueAsBytes(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render " + value.getClass().getName() + " as JSON", e);
        }
    }

    public static AdminResponse ok(Object value) {
        return json(200, value);
    }

    /** {@code {"error": message}} with the given status. */
    public static AdminResponse error(int status, String message) {
        return json(status, Map.of("error", message));
    }

    public static AdminResponse text(int status, String contentType, String text) {
        return new AdminResponse(status, contentType, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A classpath resource (e.g. the stats page) served as is.
     *
     * @throws IllegalArgumentException if the resource is missing, so a broken build fails at startup
     */
    public static AdminResponse resource(Class<?> owner, String name, String contentType) {
        try (InputStream in = owner.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalArgumentException("resource not found: " + name + " next to " + owner.getName());
            }
            return new AdminResponse(200, contentType, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + name, e);
        }
    }
}
