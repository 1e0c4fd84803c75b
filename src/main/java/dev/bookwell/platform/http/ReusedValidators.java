package dev.bookwell.platform.http;

import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import io.vertx.openapi.contract.OpenAPIContract;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * vertx-openapi asks the contract's schema repository for a new validator for every request body and parameter,
 * and each new validator copies the lookup table of every schema in the contract: 8 % of a hold's CPU in the
 * benchmark's profile. Validators are immutable once built, so this contract keeps one per schema (the
 * contract's schemas are fixed objects, hence identity keys) and hands everything else to the real contract.
 */
final class ReusedValidators {

  private ReusedValidators() {
  }

  static OpenAPIContract of(OpenAPIContract contract) {
    SchemaRepository repository = caching(contract.getSchemaRepository());
    return proxy(OpenAPIContract.class, (method, args) ->
        method.getName().equals("getSchemaRepository") ? repository : method.invoke(contract, args));
  }

  private static SchemaRepository caching(SchemaRepository repository) {
    Map<SchemaKey, Validator> validators = new ConcurrentHashMap<>();
    return proxy(SchemaRepository.class, (method, args) -> {
      if (method.getName().equals("validator") && args.length == 1 && args[0] instanceof JsonSchema schema) {
        return validators.computeIfAbsent(new SchemaKey(schema), key -> repository.validator(key.schema()));
      }
      return method.invoke(repository, args);
    });
  }

  /** Identity, not the schema's JSON equality: hashing a schema's whole tree per request is what we avoid. */
  private record SchemaKey(JsonSchema schema) {
    @Override
    public boolean equals(Object other) {
      return other instanceof SchemaKey key && key.schema == schema;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(schema);
    }
  }

  private interface Call {
    Object invoke(Method method, Object[] args) throws ReflectiveOperationException;
  }

  private static <T> T proxy(Class<T> type, Call call) {
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (self, method, args) -> {
      if (method.isDefault()) {  // default methods call the proxy's own abstract ones
        return InvocationHandler.invokeDefault(self, method, args);
      }
      try {
        return call.invoke(method, args == null ? new Object[0] : args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    }));
  }
}
