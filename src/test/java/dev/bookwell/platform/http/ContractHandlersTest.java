package dev.bookwell.platform.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bookwell.Bookwell;
import dev.bookwell.platform.api.ApiConsumer;
import dev.bookwell.support.AppTest;
import dev.bookwell.support.Wait;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Every operation in the contract has a handler in the area it names, and every handler has its operation. */
class ContractHandlersTest extends AppTest {

  @Test
  void theContractAndTheAreasOperationMapsAgree() {
    var contract = Wait.on(Contract.load(app.vertx, Bookwell.CONTRACT)).parsed();
    Map<String, Set<String>> declared = new HashMap<>();
    for (var operation : contract.operations()) {
      String address = operation.getOpenAPIModel().getString("x-bus-address");
      if (address != null) {
        declared.computeIfAbsent(address, a -> new HashSet<>()).add(operation.getOperationId());
      }
    }
    var missing = new TreeSet<String>();
    declared.forEach((address, ids) -> ids.stream().filter(id -> !ApiConsumer.operations(address).contains(id))
        .forEach(id -> missing.add(address + " " + id)));
    assertEquals(Set.of(), missing, "operations in the contract that no area answers");

    var undeclared = new TreeSet<String>();
    for (String address : declared.keySet()) {  // the areas' addresses (other tests register test-only ones)
      ApiConsumer.operations(address).stream()
          .filter(id -> !declared.getOrDefault(address, Set.of()).contains(id))
          .forEach(id -> undeclared.add(address + " " + id));
    }
    assertEquals(Set.of(), undeclared, "handlers no operation in the contract reaches");
  }
}
