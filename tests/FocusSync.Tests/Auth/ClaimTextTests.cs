using FocusSync.Api.Auth;

namespace FocusSync.Tests.Auth;

public sealed class ClaimTextTests
{
    [Theory]
    [InlineData("Ada\u0000Lovelace", "AdaLovelace")]
    [InlineData("ada@exam\u007Fple.com\r\n", "ada@example.com")]
    [InlineData("\u0001Ada\u0085 \u009FLovelace\t", "Ada Lovelace")]
    [InlineData("Zo\u00eb \u00c5ngstr\u00f6m \u202e\u200d", "Zo\u00eb \u00c5ngstr\u00f6m \u202e\u200d")]
    public void ControlCharactersAreRemovedAndEverythingElseIsKept(string claim, string expected) =>
        Assert.Equal(expected, ClaimText.Fit(claim, 200));

    [Fact]
    public void AnUnpairedSurrogateBecomesTheReplacementCharacter() =>
        Assert.Equal("a\uFFFDb\uFFFD", ClaimText.Fit("a\uD800b\uDC00", 200));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("\u0000\u0001\u007f")]
    public void NothingLeftIsNoClaim(string? claim) => Assert.Null(ClaimText.Fit(claim, 200));

    [Fact]
    public void ALongClaimIsCutToTheColumnLength()
    {
        var fitted = ClaimText.Fit(new string('n', 10_000), 200);

        Assert.Equal(new string('n', 200), fitted);
    }

    [Fact]
    public void ControlCharactersDoNotCountTowardsTheLength() =>
        Assert.Equal(new string('n', 5), ClaimText.Fit("\0n\0n\0n\0n\0n\0n", 5));

    [Theory]
    [InlineData("\U0001F44D")]
    [InlineData("\U0001F469\u200D\U0001F4BB")]
    [InlineData("e\u0301\u0301")]
    [InlineData("\U0001F1EB\U0001F1F7")]
    public void TheCutNeverSplitsATextElement(string element)
    {
        var claim = new string('x', 9) + element + "tail";

        Assert.Equal(new string('x', 9), ClaimText.Fit(claim, 9 + element.Length - 1));
        Assert.Equal(new string('x', 9) + element, ClaimText.Fit(claim, 9 + element.Length));
    }

    [Fact]
    public void ASingleTextElementLongerThanTheColumnLeavesNoClaim() =>
        Assert.Null(ClaimText.Fit("a" + new string('\u0301', 300), 200));

    [Theory]
    [InlineData("user-1", true)]
    [InlineData("\u00fcser \U0001F44D", true)]
    [InlineData("user\u0000", false)]
    [InlineData("user\u0085", false)]
    public void CleanTextHasNoControlCharacter(string text, bool clean) =>
        Assert.Equal(clean, ClaimText.IsClean(text));

    [Fact]
    public void TextWithAnUnpairedSurrogateIsNotClean()
    {
        // Built here: an attribute argument cannot carry an unpaired surrogate.
        Assert.False(ClaimText.IsClean("user" + '\uD800'));
        Assert.False(ClaimText.IsClean('\uDC00' + "user"));
        Assert.False(ClaimText.IsClean("\U0001F44D".AsSpan(1)));
    }
}
