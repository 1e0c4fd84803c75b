// Generates jOOQ classes from the Flyway migrations, at build time, against a real PostgreSQL 18:
// start an embedded PostgreSQL, migrate it, run jOOQ's GenerationTool, stop it.
// A broken migration fails here, so it fails the build. Skipped when neither the migrations nor this
// script changed since the last generation (the hash is kept next to the generated sources).
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres
import org.flywaydb.core.Flyway
import org.jooq.codegen.GenerationTool
import org.jooq.meta.jaxb.*

import java.security.MessageDigest

def migrations = new File(migrationsDir as String)
def target = new File(targetDir as String)
def stamp = new File(target, '.migrations.sha256')

def digest = MessageDigest.getInstance('SHA-256')
digest.update(new File(scriptFile as String).bytes)
migrations.listFiles().findAll { it.isFile() }.sort { it.name }.each {
    digest.update(it.name.bytes); digest.update(it.bytes)
}
def hash = digest.digest().encodeHex().toString()

if (stamp.exists() && stamp.text == hash) {
    log.info("jOOQ sources are up to date with ${migrations}")
    return
}

target.deleteDir()
def pg = EmbeddedPostgres.builder().start()
try {
    def url = pg.getJdbcUrl('postgres', 'postgres')
    Flyway.configure().dataSource(url, 'postgres', '')
          .locations("filesystem:${migrations.absolutePath}")
          .load().migrate()
    GenerationTool.generate(new Configuration()
        .withLogging(Logging.WARN)
        .withJdbc(new Jdbc().withDriver('org.postgresql.Driver').withUrl(url).withUser('postgres').withPassword(''))
        .withGenerator(new Generator()
            .withDatabase(new Database()
                .withName('org.jooq.meta.postgres.PostgresDatabase')
                .withInputSchema('public')
                .withExcludes('flyway_schema_history')
                .withTableValuedFunctions(false))
            .withGenerate(new Generate().withJavaTimeTypes(true).withFluentSetters(true).withPojos(false).withDaos(false)
                .withRoutines(false))  // the extensions' functions are not ours
            .withTarget(new Target().withPackageName('dev.bookwell.db').withDirectory(target.absolutePath))))
} finally {
    pg.close()
}
stamp.text = hash
log.info("jOOQ sources generated into ${target}")
