package io.nexo.core.admin;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * One admin API request after routing: method, path, the values of the route's {@code {param}}
 * segments, the query parameters and the (size-bounded) body.
 */
public record AdminRequest(String method, String path, Map<String, String> pathParams,
                           Map<String, List<String>> query, byte[] body) {

    public AdminRequest {
        pathParams = Map.copyOf(pathParams);
        query = Map.copyOf(query);
        body = body.clone();
    }

    /** The value of path parameter {@code name}; the route guarantees it exists. */
    public String param(String name) {
        String value = pathParams.get(name);
        if (value == null) {
            throw new IllegalStateException("route has no parameter {" + name + "}");
        }
        return value;
    }

    /** The first value of query parameter {@code name}, or {@code null}. */
    public String queryParam(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public byte[] body() {
        return body.clone();
    }
}
