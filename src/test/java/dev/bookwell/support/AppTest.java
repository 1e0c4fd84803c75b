package dev.bookwell.support;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * A test class on the whole service with default settings: one app for the class, started before its tests and
 * stopped after them. Classes that need more (a World, other settings) add their own {@code @BeforeAll}, which JUnit
 * runs after this one. Test classes run one after the other, so one static field serves them all.
 */
public abstract class AppTest {

  protected static TestApp app;

  @BeforeAll
  static void startApp() {
    app = TestApp.start();
  }

  @AfterAll
  static void stopApp() {
    app.close();
  }
}
