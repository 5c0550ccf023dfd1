namespace Gateway.Store.Postgres.Tests;

public sealed class PostgresStoreOptionsTests
{
    [Fact]
    public void Validate_NothingSet_ListsEveryError()
    {
        var errors = new PostgresStoreOptions { CommandTimeout = TimeSpan.Zero }.Validate();

        Assert.Equal(2, errors.Count);
    }

    [Fact]
    public void Validate_BothSet_Fails()
    {
        var errors = new PostgresStoreOptions { ConnectionString = "Host=db", ConnectionStringFile = "/nope" }.Validate();

        Assert.Single(errors);
    }

    [Fact]
    public void Validate_MissingSecretFile_NamesThePathNotTheSecret()
    {
        var errors = new PostgresStoreOptions { ConnectionStringFile = "/does/not/exist" }.Validate();

        Assert.Contains("/does/not/exist", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MalformedConnectionString_DoesNotEchoIt()
    {
        var errors = new PostgresStoreOptions { ConnectionString = "Host=db;Password=s3cret;Bogus Key=1" }.Validate();

        Assert.DoesNotContain("s3cret", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void ResolveConnectionString_SecretFile_IsReadAndTrimmed()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "Host=db;Username=gateway\n");
            var options = new PostgresStoreOptions { ConnectionStringFile = file };

            Assert.Empty(options.Validate());
            Assert.Equal("Host=db;Username=gateway", options.ResolveConnectionString());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("Host=db1:5432,db2:5432;Target Session Attributes=primary")]
    [InlineData("Host=db1,db2,db3;Target Session Attributes=read-write;Load Balance Hosts=false")]
    [InlineData("Host=db;Target Session Attributes=primary")]
    [InlineData("Host=db")]
    // What the chart writes from postgres.external.hosts and tls (charts/gateway/templates/_helpers.tpl).
    [InlineData("Host=pg-0.db.internal:5432,pg-1.db.internal:6432;Database=gateway;Username=gateway;Target Session Attributes=read-write;Host Recheck Seconds=3;SSL Mode=VerifyFull;Root Certificate=/var/run/gateway/postgres-tls/ca/ca.crt;SSL Certificate=/var/run/gateway/postgres-tls/client/tls.crt;SSL Key=/var/run/gateway/postgres-tls/client/tls.key")]
    public void Validate_WritablePrimaryTarget_Passes(string connectionString)
    {
        Assert.Empty(new PostgresStoreOptions { ConnectionString = connectionString }.Validate());
    }

    [Theory]
    [InlineData("Host=db1:5432,db2:5432")]
    [InlineData("Host=db1,db2;Target Session Attributes=any")]
    public void Validate_SeveralHostsWithoutPrimaryTarget_NamesTheSetting(string connectionString)
    {
        var error = Assert.Single(new PostgresStoreOptions { ConnectionString = connectionString }.Validate());

        Assert.Contains("Target Session Attributes=primary", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("prefer-primary")]
    [InlineData("standby")]
    [InlineData("prefer-standby")]
    [InlineData("read-only")]
    public void Validate_TargetThatCanBeAStandby_Fails(string target)
    {
        var error = Assert.Single(new PostgresStoreOptions { ConnectionString = "Host=db1,db2;Password=s3cret;Target Session Attributes=" + target }.Validate());

        Assert.Contains(target, error, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(367)]
    public void Validate_AuditPartitionDaysAheadOutOfRange_Fails(int days)
    {
        var error = Assert.Single(new PostgresStoreOptions { ConnectionString = "Host=db", AuditPartitionDaysAhead = days }.Validate());

        Assert.Contains("AuditPartitionDaysAhead", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ResolveConnectionString_PasswordFile_TakesThePlaceOfThePassword()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "s3cret\n");
            var options = new PostgresStoreOptions { ConnectionString = "Host=db1,db2;Username=gateway;Password=old;Target Session Attributes=primary", PasswordFile = file };

            Assert.Empty(options.Validate());
            Assert.Equal("s3cret", new Npgsql.NpgsqlConnectionStringBuilder(options.ResolveConnectionString()).Password);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Validate_MissingPasswordFile_NamesThePath()
    {
        var error = Assert.Single(new PostgresStoreOptions { ConnectionString = "Host=db", PasswordFile = "/no/password" }.Validate());

        Assert.Contains("/no/password", error, StringComparison.Ordinal);
    }
}
