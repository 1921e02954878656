@echo off
rem Bam dup de tong hop thi dua, khen thuong.
rem Tham so /tudong: chay khong cho bam phim (dung cho Task Scheduler).
chcp 65001 >nul
cd /d "%~dp0"
set PYTHONUTF8=1
rem Dung moi truong ao .venv neu da tao theo README.
set PY=python
if exist ".venv\Scripts\python.exe" set PY=.venv\Scripts\python.exe
if /i "%~1"=="/tudong" goto tudong
%PY% process.py run
echo.
echo Bam phim bat ky de dong cua so.
pause >nul
exit /b
:tudong
%PY% process.py run
exit /b %errorlevel%
