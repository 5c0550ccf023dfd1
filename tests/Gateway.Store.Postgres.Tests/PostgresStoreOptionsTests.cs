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
}
