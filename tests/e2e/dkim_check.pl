#!/usr/bin/perl
# dkim_check.pl ZONE MSG — verify every DKIM-Signature of MSG with Perl's
# Mail::DKIM (Debian libmail-dkim-perl), for postfix_milter.sh.
#
# ZONE holds the output of `sendwarden keygen`: its zone-file lines
# `SEL._domainkey.DOMAIN. IN TXT ( "..." "..." )` are the only DNS there is
# (lines starting with ';' are comments). Mail::DKIM is given its own
# resolver object through Mail::DKIM::DNS::resolver(), the documented hook;
# it answers from ZONE and never sends a packet.
#
# Prints one line per signature, in header order:
#     a=ALGORITHM d=DOMAIN s=SELECTOR pass|fail|unsupported [detail]
# "unsupported": this Mail::DKIM cannot check the algorithm at all (Debian
# 12's 1.20230212 knows no ed25519-sha256; upstream added it later).
# Exits 0 when at least one signature passes and none fails.
use strict;
use warnings;

use Mail::DKIM::DNS;
use Mail::DKIM::Verifier;
use Net::DNS;

package ZoneResolver;

sub new {
    my ( $class, $records ) = @_;
    return bless { records => $records, error => 'NOERROR' }, $class;
}

# send(NAME, TYPE): a reply packet built from the zone file
sub send {
    my ( $self, $name, $type ) = @_;
    my $packet = Net::DNS::Packet->new( $name, $type, 'IN' );
    $packet->header->qr(1);
    my $strings = $self->{records}{ lc( $name =~ s/\.$//r ) };
    if ( uc($type) eq 'TXT' && $strings ) {
        $packet->push( answer => Net::DNS::RR->new( name => $name, type => 'TXT', txtdata => [@$strings] ) );
    }
    elsif ( !$strings ) {
        $packet->header->rcode('NXDOMAIN');
    }
    return $packet;
}

sub errorstring { return $_[0]{error} }

package main;

@ARGV == 2 or die "usage: dkim_check.pl ZONE MSG\n";
my ( $zone, $msgfile ) = @ARGV;

my %records;
open( my $z, '<', $zone ) or die "$zone: $!\n";
while ( my $line = <$z> ) {
    next if $line =~ /^;/ || $line !~ /\S/;
    next unless $line =~ /^\s*(\S+)\s+(?:\d+\s+)?IN\s+TXT\s+(.*)$/;
    my ( $name, $rest ) = ( lc $1, $2 );
    $name =~ s/\.$//;
    $records{$name} = [ $rest =~ /"([^"]*)"/g ];
}
close $z;
Mail::DKIM::DNS::resolver( ZoneResolver->new( \%records ) );

open( my $m, '<:raw', $msgfile ) or die "$msgfile: $!\n";
my $verifier = Mail::DKIM::Verifier->new();
while ( my $line = <$m> ) {
    $line =~ s/\r?\n\z/\r\n/;
    $verifier->PRINT($line);
}
close $m;
$verifier->CLOSE();

my @sigs = $verifier->signatures;
my ( $passed, $failed ) = ( 0, 0 );
for my $sig (@sigs) {
    my $result = $sig->result // 'none';
    my $detail = $sig->result_detail // '';
    my $word =
        $result eq 'pass'                                     ? 'pass'
      : !$sig->get_algorithm_class( $sig->algorithm // '' )   ? 'unsupported'
      :                                                         'fail';
    $passed++ if $word eq 'pass';
    $failed++ if $word eq 'fail';
    printf "a=%s d=%s s=%s %s%s\n", $sig->algorithm, $sig->domain, $sig->selector, $word,
      $word eq 'pass' || $detail eq $result ? '' : " ($detail)";
}
print "no DKIM-Signature\n" unless @sigs;
exit( $passed && !$failed ? 0 : 1 );
